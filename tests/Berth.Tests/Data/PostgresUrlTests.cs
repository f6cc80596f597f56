using Berth.Data.Postgres;
using Npgsql;

namespace Berth.Tests.Data;

/// <summary><c>--database postgres://…</c>: what the URL becomes, and clear refusals that never echo the password.</summary>
public sealed class PostgresUrlTests
{
    [Fact]
    public void A_url_becomes_a_pooled_connection_string_with_bounded_waits()
    {
        var parsed = new NpgsqlConnectionStringBuilder(PostgresDatabase.ConnectionString("postgres://berth:p%40ss@db.example:6432/registry?sslmode=require&maximum+pool+size=50"));
        Assert.Equal("db.example", parsed.Host);
        Assert.Equal(6432, parsed.Port);
        Assert.Equal("berth", parsed.Username);
        Assert.Equal("p@ss", parsed.Password);
        Assert.Equal("registry", parsed.Database);
        Assert.Equal(SslMode.Require, parsed.SslMode);
        Assert.Equal(50, parsed.MaxPoolSize);
        Assert.True(parsed.Pooling);
        Assert.Equal(10, parsed.Timeout);
        Assert.Equal(30, parsed.CommandTimeout);
        Assert.Equal(64, parsed.MaxAutoPrepare);

        var socket = new NpgsqlConnectionStringBuilder(PostgresDatabase.ConnectionString("postgresql://berth@localhost/berth?host=%2Fvar%2Frun%2Fpostgresql"));
        Assert.Equal("/var/run/postgresql", socket.Host);
        Assert.Equal(5432, socket.Port);

        var pooler = new NpgsqlConnectionStringBuilder(PostgresDatabase.ConnectionString("postgres://berth@pgbouncer:6432/berth?max+auto+prepare=0"));
        Assert.Equal(0, pooler.MaxAutoPrepare);
    }

    [Theory]
    [InlineData("mysql://u:secret@h/db")]
    [InlineData("postgres://u:secret@h")]
    [InlineData("postgres://u:secret@h/a/b")]
    [InlineData("postgres://u:secret@h/db?no+such+keyword=1")]
    [InlineData("postgres://u:secret@h/db?port=notanumber")]
    [InlineData("not a url")]
    public void A_bad_url_is_refused_without_its_password(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresDatabase.ConnectionString(url));
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }
}
