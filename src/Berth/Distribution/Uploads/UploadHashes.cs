using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Oci;

namespace Berth.Distribution.Uploads;

/// <summary>The running SHA-256 of uploads this process has seen from their first byte.</summary>
/// <remarks>
/// Hashing while the bytes stream is what makes a push hash each byte once. A state is only valid for the exact
/// offset it covers; a chunk handled by another replica, or one that failed halfway, leaves no usable state, and the
/// commit then re-reads the upload from the store to verify it. A state is taken out while a chunk is in flight,
/// so two requests on one session can never feed one hash.
/// </remarks>
public sealed class UploadHashes
{
    private readonly ConcurrentDictionary<Guid, (IncrementalHash Hash, long Offset)> _states = new();

    /// <summary>A fresh hash for a session that has received nothing yet.</summary>
    public static IncrementalHash Start() => Digest.CreateHash(Digest.Sha256);

    /// <summary>Takes the session's state if it covers exactly <paramref name="offset"/> bytes; otherwise null.</summary>
    public IncrementalHash? Take(Guid session, long offset)
    {
        if (offset == 0)
        {
            Forget(session);
            return Start();
        }

        if (!_states.TryRemove(session, out var state))
        {
            return null;
        }

        if (state.Offset == offset)
        {
            return state.Hash;
        }

        state.Hash.Dispose();
        return null;
    }

    /// <summary>Puts back the state after a chunk was committed, now covering <paramref name="offset"/> bytes.</summary>
    public void Return(Guid session, IncrementalHash hash, long offset)
    {
        if (!_states.TryAdd(session, (hash, offset)))
        {
            hash.Dispose();
        }
    }

    public void Forget(Guid session)
    {
        if (_states.TryRemove(session, out var state))
        {
            state.Hash.Dispose();
        }
    }
}
