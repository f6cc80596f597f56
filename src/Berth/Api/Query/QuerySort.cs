namespace Berth.Api.Query;

/// <summary>One key of <c>sort=k1,-k2</c>; a leading <c>-</c> sorts descending.</summary>
public sealed record QuerySort(string Key, bool Descending);
