using Berth.Api;
using Berth.Data;
using Berth.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Berth.Tests.Api;

/// <summary>The retry of database work the database aborted: how often it runs again, and what <c>/metrics</c> shows of it.</summary>
public sealed class TransientRetryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static PostgresException Deadlock() => new("deadlock detected", "ERROR", "ERROR", "40P01");

    [Fact]
    public async Task Work_aborted_as_a_deadlocks_victim_runs_again_and_each_abort_is_counted()
    {
        var operation = Operation();
        var calls = 0;
        var result = await RunAsync(operation, () => ++calls < 3 ? throw Deadlock() : Task.FromResult(42));

        Assert.Equal(42, result);
        Assert.Equal(3, calls);
        Assert.Equal((2, null), await CountsAsync(operation));
    }

    [Fact]
    public async Task Work_aborted_every_time_gives_up_after_five_attempts_with_the_databases_error()
    {
        var operation = Operation();
        var calls = 0;
        var error = await Assert.ThrowsAsync<PostgresException>(() => RunAsync<int>(operation, () => { calls++; throw Deadlock(); }));

        Assert.Equal("40P01", error.SqlState);
        Assert.Equal(5, calls);
        Assert.Equal((4, 1), await CountsAsync(operation));
    }

    [Fact]
    public async Task Work_inside_the_callers_transaction_is_not_run_again()
    {
        var operation = Operation();
        var calls = 0;
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(Token);
        var retry = scope.ServiceProvider.GetRequiredService<TransientRetry>();

        await Assert.ThrowsAsync<PostgresException>(() => retry.RunAsync<int>(operation, () => { calls++; throw Deadlock(); }, Token));

        Assert.Equal(1, calls);
        Assert.Equal((null, 1), await CountsAsync(operation));
    }

    [Fact]
    public async Task Other_errors_are_neither_run_again_nor_counted()
    {
        var operation = Operation();
        var calls = 0;
        var unique = new PostgresException("duplicate key", "ERROR", "ERROR", "23505");

        await Assert.ThrowsAsync<PostgresException>(() => RunAsync<int>(operation, () => { calls++; throw unique; }));

        Assert.Equal(1, calls);
        Assert.Equal((null, null), await CountsAsync(operation));
    }

    /// <summary>An operation name of this test's own, so that the counts read back are its own.</summary>
    private static string Operation() => "test." + Guid.NewGuid().ToString("N")[..12];

    private async Task<T> RunAsync<T>(string operation, Func<Task<T>> work)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TransientRetry>().RunAsync(operation, work, Token);
    }

    private async Task<(double? Retried, double? GaveUp)> CountsAsync(string operation)
    {
        var text = await fixture.Client.GetStringAsync("/metrics", Token);
        return (MetricsTests.Sample(text, $$"""berth_database_transient_aborts_total{operation="{{operation}}",outcome="retried"}"""),
            MetricsTests.Sample(text, $$"""berth_database_transient_aborts_total{operation="{{operation}}",outcome="gave_up"}"""));
    }
}
