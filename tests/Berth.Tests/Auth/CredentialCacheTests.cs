using Berth.Auth;

namespace Berth.Tests.Auth;

/// <summary>The minute a verified login is remembered for, and what ends it at once.</summary>
public sealed class CredentialCacheTests
{
    private static readonly Subject Alice = new(SubjectKind.User, 1, "alice", false);

    [Fact]
    public void A_login_verified_with_nothing_forgotten_meanwhile_is_remembered()
    {
        var cache = new CredentialCache(TimeProvider.System);
        cache.Add("alice", "old-password", Alice, cache.Epoch);
        Assert.Equal(Alice, cache.Find("alice", "old-password"));
        Assert.Null(cache.Find("alice", "other-password"));
    }

    [Fact]
    public void A_login_verified_while_the_password_changed_is_not_remembered()
    {
        // A login reads the stored hash and verifies for tens of milliseconds; the password changes meanwhile, and the
        // change forgets alice's logins before that verification ends with success for the old password.
        var cache = new CredentialCache(TimeProvider.System);
        var epoch = cache.Epoch;
        cache.Forget("alice");
        cache.Add("alice", "old-password", Alice, epoch);
        Assert.Null(cache.Find("alice", "old-password"));

        // The next login verifies against the new hash and is remembered again.
        cache.Add("alice", "new-password", Alice, cache.Epoch);
        Assert.Equal(Alice, cache.Find("alice", "new-password"));
    }

    [Fact]
    public void Forgetting_a_user_drops_what_was_remembered_of_them_only()
    {
        var cache = new CredentialCache(TimeProvider.System);
        var bob = new Subject(SubjectKind.User, 2, "bob", false);
        cache.Add("alice", "a", Alice, cache.Epoch);
        cache.Add("bob", "b", bob, cache.Epoch);
        cache.Forget("alice");
        Assert.Null(cache.Find("alice", "a"));
        Assert.Equal(bob, cache.Find("bob", "b"));
    }
}
