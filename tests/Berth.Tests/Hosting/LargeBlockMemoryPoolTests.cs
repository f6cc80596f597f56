using System.Buffers;
using System.Runtime.InteropServices;
using Berth.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Tests.Hosting;

/// <summary>The blocks Kestrel receives into and sends from.</summary>
public sealed class LargeBlockMemoryPoolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public void The_server_gives_kestrel_this_pool()
    {
        var factory = fixture.Server.Services.GetRequiredService<IMemoryPoolFactory<byte>>();
        using var pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        Assert.IsType<LargeBlockMemoryPool>(pool);
        Assert.Equal(32 * 1024, pool.MaxBufferSize);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(LargeBlockMemoryPool.BlockSize)]
    public void Every_block_is_whole_whatever_was_asked_for(int size)
    {
        using var pool = new LargeBlockMemoryPool();
        using var block = pool.Rent(size);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, block.Memory.Length);
    }

    [Fact]
    public void More_than_a_block_is_refused()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public void Returned_blocks_are_handed_out_again_up_to_the_number_kept()
    {
        using var pool = new LargeBlockMemoryPool();
        var count = LargeBlockMemoryPool.MaxKept + 10;
        var first = Enumerable.Range(0, count).Select(_ => pool.Rent()).ToList();
        var arrays = first.Select(Array).ToHashSet(ReferenceEqualityComparer.Instance);
        first.ForEach(block => block.Dispose());

        var second = Enumerable.Range(0, count).Select(_ => pool.Rent()).ToList();
        Assert.Equal(LargeBlockMemoryPool.MaxKept, second.Count(block => arrays.Contains(Array(block))));
        second.ForEach(block => block.Dispose());
    }

    private static byte[] Array(IMemoryOwner<byte> block) =>
        MemoryMarshal.TryGetArray<byte>(block.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
