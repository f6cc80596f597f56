using System.Security.Cryptography;
using System.Text;

namespace Berth.Storage.Tests;

/// <summary>What every storage driver must do. Each driver subclasses this suite and runs it unchanged.</summary>
/// <remarks>New behaviour goes here, so that every driver, present and future, is held to it.</remarks>
public abstract class StorageDriverConformanceTests : IAsyncLifetime
{
    private readonly string _root = "/t" + Guid.NewGuid().ToString("N");

    protected IStorageDriver Driver { get; private set; } = null!;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Why this store cannot show that concurrent replacing writes leave one whole object, or null when it can.</summary>
    protected virtual string? ConcurrentReplaceUntestableBecause => null;

    protected abstract Task<IStorageDriver> CreateDriverAsync();

    public async ValueTask InitializeAsync() => Driver = new PathCheckingStorageDriver(await CreateDriverAsync());

    public virtual async ValueTask DisposeAsync()
    {
        // Leftovers fail the test: every test cleans up what it made, as distribution's suite demands.
        var left = await Driver.ListAsync(_root, CancellationToken.None).ToListAsync();
        if (left.Count > 0)
        {
            await Driver.DeleteAsync(_root, CancellationToken.None);
        }

        Assert.Empty(left);
    }

    private static readonly int[] ChunkSizes = [1, 70_000, 3, 200_000, 0, 5];

    private static readonly int[] ReadOffsets = [0, 1, 70_000, 70_001, 70_004, 270_003];

    private string P(string relative) => _root + "/" + relative;

    [Fact]
    public async Task Put_then_get_round_trips()
    {
        var content = Encoding.UTF8.GetBytes("hello");
        await Driver.PutContentAsync(P("a/b"), content, Token);
        Assert.Equal(content, await Driver.GetContentAsync(P("a/b"), Token));
        await Driver.DeleteAsync(P("a"), Token);
    }

    [Fact]
    public async Task Put_replaces()
    {
        await Driver.PutContentAsync(P("x"), "one"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("x"), "two"u8.ToArray(), Token);
        Assert.Equal("two"u8.ToArray(), await Driver.GetContentAsync(P("x"), Token));
        await Driver.DeleteAsync(P("x"), Token);
    }

    [Fact]
    public async Task Missing_paths_throw_not_found()
    {
        await Assert.ThrowsAsync<StoragePathNotFoundException>(() => Driver.GetContentAsync(P("missing"), Token));
        await Assert.ThrowsAsync<StoragePathNotFoundException>(() => Driver.OpenReadAsync(P("missing"), 0, Token));
        await Assert.ThrowsAsync<StoragePathNotFoundException>(() => Driver.DeleteAsync(P("missing"), Token));
        await Assert.ThrowsAsync<StoragePathNotFoundException>(() => Driver.MoveAsync(P("missing"), P("other"), Token));
        Assert.Null(await Driver.StatAsync(P("missing"), Token));
    }

    [Theory]
    [InlineData("relative")]
    [InlineData("/a/../b")]
    [InlineData("/a/./b")]
    [InlineData("/a//b")]
    [InlineData("/a/")]
    [InlineData("/a b")]
    [InlineData("/a/%2e%2e")]
    [InlineData("/a\\b")]
    [InlineData("")]
    public async Task Invalid_paths_never_reach_the_driver(string path)
    {
        var error = await Assert.ThrowsAsync<InvalidStoragePathException>(() => Driver.PutContentAsync(path, "x"u8.ToArray(), Token));
        Assert.Equal(Driver.Name, error.DriverName);
    }

    [Fact]
    public async Task Deleting_the_root_is_refused() =>
        await Assert.ThrowsAsync<InvalidStoragePathException>(() => Driver.DeleteAsync("/", Token));

    [Fact]
    public async Task Uncommitted_write_is_invisible()
    {
        await using (var writer = await Driver.OpenWriteAsync(P("w"), append: false, Token))
        {
            await writer.WriteAsync("partial"u8.ToArray(), Token);
            Assert.Null(await Driver.StatAsync(P("w"), Token));
            await writer.CancelAsync(Token);
            await writer.CancelAsync(Token);
        }

        Assert.Null(await Driver.StatAsync(P("w"), Token));
        Assert.Empty(await Driver.ListAsync(_root, Token).ToListAsync());
    }

    [Fact]
    public async Task Disposing_an_uncommitted_writer_cancels_it()
    {
        await Driver.PutContentAsync(P("keep"), "old"u8.ToArray(), Token);
        await using (var writer = await Driver.OpenWriteAsync(P("keep"), append: false, Token))
        {
            await writer.WriteAsync("new"u8.ToArray(), Token);
        }

        Assert.Equal("old"u8.ToArray(), await Driver.GetContentAsync(P("keep"), Token));
        await Driver.DeleteAsync(P("keep"), Token);
    }

    [Fact]
    public async Task Large_streams_round_trip_in_chunks()
    {
        var content = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 17);
        await using (var writer = await Driver.OpenWriteAsync(P("large"), append: false, Token))
        {
            for (var offset = 0; offset < content.Length; offset += 65536)
            {
                await writer.WriteAsync(content.AsMemory(offset, Math.Min(65536, content.Length - offset)), Token);
            }

            Assert.Equal(content.Length, writer.Size);
            await writer.CommitAsync(Token);
        }

        Assert.Equal(content.Length, (await Driver.StatAsync(P("large"), Token))!.Size);
        await using (var stream = await Driver.OpenReadAsync(P("large"), 0, Token))
        {
            Assert.Equal(SHA256.HashData(content), await SHA256.HashDataAsync(stream, Token));
        }

        await Driver.DeleteAsync(P("large"), Token);
    }

    [Fact]
    public async Task Read_from_an_offset()
    {
        await Driver.PutContentAsync(P("o"), "0123456789"u8.ToArray(), Token);
        await using (var stream = await Driver.OpenReadAsync(P("o"), 4, Token))
        {
            using var reader = new StreamReader(stream);
            Assert.Equal("456789", await reader.ReadToEndAsync(Token));
        }

        await Driver.DeleteAsync(P("o"), Token);
    }

    [Fact]
    public async Task Appends_resume_and_a_cancelled_append_keeps_what_was_committed()
    {
        await using (var first = await Driver.OpenWriteAsync(P("up"), append: true, Token))
        {
            Assert.Equal(0, first.Size);
            await first.WriteAsync("abc"u8.ToArray(), Token);
            await first.CommitAsync(Token);
        }

        await using (var second = await Driver.OpenWriteAsync(P("up"), append: true, Token))
        {
            Assert.Equal(3, second.Size);
            await second.WriteAsync("XXXX"u8.ToArray(), Token);
            await second.CancelAsync(Token);
        }

        await using (var third = await Driver.OpenWriteAsync(P("up"), append: true, Token))
        {
            Assert.Equal(3, third.Size);
            await third.WriteAsync("def"u8.ToArray(), Token);
            await third.CommitAsync(Token);
            Assert.Equal(6, third.Size);
        }

        Assert.Equal("abcdef"u8.ToArray(), await Driver.GetContentAsync(P("up"), Token));
        await Driver.DeleteAsync(P("up"), Token);
    }

    [Fact]
    public async Task Move_replaces_the_destination_and_removes_the_source()
    {
        await Driver.PutContentAsync(P("src"), "new"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("dir/dst"), "old"u8.ToArray(), Token);
        await Driver.MoveAsync(P("src"), P("dir/dst"), Token);
        Assert.Null(await Driver.StatAsync(P("src"), Token));
        Assert.Equal("new"u8.ToArray(), await Driver.GetContentAsync(P("dir/dst"), Token));
        await Driver.DeleteAsync(P("dir"), Token);
    }

    [Fact]
    public async Task A_moved_object_is_new_at_its_destination()
    {
        // Stores may keep times to the second (S3 does): the source is more than two seconds old, the bound one second back.
        await Driver.PutContentAsync(P("old"), "x"u8.ToArray(), Token);
        await Task.Delay(2100, Token);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await Driver.MoveAsync(P("old"), P("moved"), Token);
        Assert.True((await Driver.StatAsync(P("moved"), Token))!.ModifiedAt >= before);
        Assert.Empty(await Driver.WalkAsync(_root, new WalkOptions(before), Token).ToListAsync());
        await Driver.DeleteAsync(P("moved"), Token);
    }

    [Fact]
    public async Task List_and_walk_see_what_is_there()
    {
        await Driver.PutContentAsync(P("l/a"), "1"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("l/b/c"), "22"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("l/b/d/e"), "333"u8.ToArray(), Token);

        var listed = (await Driver.ListAsync(P("l"), Token).ToListAsync()).Order(StringComparer.Ordinal);
        Assert.Equal([P("l/a"), P("l/b")], listed);
        var walked = (await Driver.WalkAsync(P("l"), WalkOptions.All, Token).ToListAsync()).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        Assert.Equal([P("l/a"), P("l/b/c"), P("l/b/d/e")], walked.Select(f => f.Path));
        Assert.Equal([1L, 2L, 3L], walked.Select(f => f.Size));
        Assert.Empty(await Driver.WalkAsync(P("l"), new WalkOptions(DateTimeOffset.UtcNow.AddHours(-1)), Token).ToListAsync());
        Assert.Empty(await Driver.ListAsync(P("nothing"), Token).ToListAsync());

        await Driver.DeleteAsync(P("l/b"), Token);
        Assert.Equal([P("l/a")], await Driver.ListAsync(P("l"), Token).ToListAsync());
        await Driver.DeleteAsync(P("l"), Token);
    }

    [Fact]
    public async Task Delete_many_deletes_objects_and_directories_and_skips_what_is_not_there()
    {
        await Driver.PutContentAsync(P("m/a"), "1"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("m/d/b"), "2"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("m/d/c"), "3"u8.ToArray(), Token);
        await Driver.PutContentAsync(P("m/keep"), "4"u8.ToArray(), Token);
        await using (var writer = await Driver.OpenWriteAsync(P("m/appended"), append: true, Token))
        {
            await writer.WriteAsync("5"u8.ToArray(), Token);
            await writer.CommitAsync(Token);
        }

        Assert.Equal(3, await Driver.DeleteManyAsync([P("m/a"), P("m/d"), P("m/missing"), P("m/appended")], Token));
        Assert.Equal([P("m/keep")], await Driver.ListAsync(P("m"), Token).ToListAsync());
        Assert.Equal(0, await Driver.DeleteManyAsync([P("m/a")], Token));
        await Assert.ThrowsAsync<InvalidStoragePathException>(() => Driver.DeleteManyAsync([P("m/keep"), "/"], Token));
        await Driver.DeleteAsync(P("m"), Token);
    }

    [Fact]
    public async Task Appended_objects_read_from_any_offset_and_move_whole()
    {
        // Chunks of an upload, as clients send them: uneven, some tiny.
        var chunks = ChunkSizes.Select(RandomNumberGenerator.GetBytes).ToList();
        var content = chunks.SelectMany(c => c).ToArray();
        foreach (var chunk in chunks)
        {
            await using var writer = await Driver.OpenWriteAsync(P("a/up"), append: true, Token);
            await writer.WriteAsync(chunk, Token);
            await writer.CommitAsync(Token);
        }

        Assert.Equal(content.Length, (await Driver.StatAsync(P("a/up"), Token))!.Size);
        Assert.Equal([P("a/up")], await Driver.ListAsync(P("a"), Token).ToListAsync());
        Assert.Equal([content.Length], (await Driver.WalkAsync(P("a"), WalkOptions.All, Token).ToListAsync()).Select(f => f.Size));
        foreach (var offset in ReadOffsets.Append(content.Length).Append(content.Length + 10))
        {
            await using var stream = await Driver.OpenReadAsync(P("a/up"), offset, Token);
            using var read = new MemoryStream();
            await stream.CopyToAsync(read, Token);
            Assert.Equal(content.AsSpan(Math.Min(offset, content.Length)).ToArray(), read.ToArray());
        }

        await Driver.MoveAsync(P("a/up"), P("a/blob"), Token);
        Assert.Equal([P("a/blob")], await Driver.ListAsync(P("a"), Token).ToListAsync());
        Assert.Equal(content, await Driver.GetContentAsync(P("a/blob"), Token));
        await Driver.DeleteAsync(P("a"), Token);
    }

    [Fact]
    public async Task Appending_to_an_object_written_whole_continues_it()
    {
        await Driver.PutContentAsync(P("w"), "whole"u8.ToArray(), Token);
        await using (var writer = await Driver.OpenWriteAsync(P("w"), append: true, Token))
        {
            Assert.Equal(5, writer.Size);
            await writer.WriteAsync("+more"u8.ToArray(), Token);
            await writer.CommitAsync(Token);
        }

        Assert.Equal("whole+more"u8.ToArray(), await Driver.GetContentAsync(P("w"), Token));
        await Driver.PutContentAsync(P("w"), "replaced"u8.ToArray(), Token);
        Assert.Equal("replaced"u8.ToArray(), await Driver.GetContentAsync(P("w"), Token));
        Assert.Equal(8, (await Driver.StatAsync(P("w"), Token))!.Size);
        Assert.Equal([P("w")], (await Driver.WalkAsync(_root, WalkOptions.All, Token).ToListAsync()).Select(f => f.Path));
        await Driver.DeleteAsync(P("w"), Token);
    }

    [Fact]
    public async Task Concurrent_readers_see_the_same_bytes()
    {
        var content = RandomNumberGenerator.GetBytes(1024 * 1024);
        await Driver.PutContentAsync(P("shared"), content, Token);
        var hashes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var stream = await Driver.OpenReadAsync(P("shared"), 0, Token);
            return Convert.ToHexString(await SHA256.HashDataAsync(stream, Token));
        }));
        Assert.All(hashes, h => Assert.Equal(Convert.ToHexString(SHA256.HashData(content)), h));
        await Driver.DeleteAsync(P("shared"), Token);
    }

    [Fact]
    public async Task Concurrent_replacing_writers_leave_one_whole_object()
    {
        Assert.SkipWhen(ConcurrentReplaceUntestableBecause is not null, ConcurrentReplaceUntestableBecause ?? "");
        var contents = Enumerable.Range(0, 6).Select(_ => RandomNumberGenerator.GetBytes(256 * 1024)).ToList();
        await Task.WhenAll(contents.Select(c => Driver.PutContentAsync(P("race"), c, Token)));
        var stored = await Driver.GetContentAsync(P("race"), Token);
        Assert.Contains(contents, c => c.AsSpan().SequenceEqual(stored));
        await Driver.DeleteAsync(P("race"), Token);
    }
}
