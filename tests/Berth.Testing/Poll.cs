namespace Berth.Testing;

/// <summary>Waits for something the server does in the background, checking often, up to a deadline: never a fixed sleep.</summary>
public static class Poll
{
    /// <summary>Checks <paramref name="done"/> every 50 ms until it holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/> (10 s).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await done())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds for its value, and returns that value.</summary>
    /// <remarks>A timeout names the last value read, which tells a slow server from a wrong answer.</remarks>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var value = default(T)!;
        try
        {
            await UntilAsync(async () => done(value = await read()), what, timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; the last read gave {value}", e);
        }

        return value;
    }
}
