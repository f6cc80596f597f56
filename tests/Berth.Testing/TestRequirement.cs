namespace Berth.Testing;

/// <summary>What a test says when a peer that <c>./test.sh</c> provides (an S3 server, PostgreSQL, nginx) is not there.</summary>
/// <remarks>Under CI, where <c>./test.sh</c> must have provided it, the test fails; elsewhere it is skipped, saying why.</remarks>
public static class TestRequirement
{
    /// <summary>How xUnit recognises a skip thrown from code that does not reference it (this library does not).</summary>
    private const string DynamicSkip = "$XunitDynamicSkip$";

    public static InvalidOperationException Missing(string message) =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? new InvalidOperationException(message)
            : new InvalidOperationException(DynamicSkip + message);
}
