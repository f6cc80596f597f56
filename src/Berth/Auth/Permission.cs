using System.Diagnostics.CodeAnalysis;

namespace Berth.Auth;

/// <summary>One thing a subject may do: an action on a resource, Harbor's <c>Permission</c>.</summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "Harbor's name for it, as its API shows it.")]
public readonly record struct Permission(string Resource, string Action);
