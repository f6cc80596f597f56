using System.Net;
using Berth.Webhooks;

namespace Berth.Tests.Webhooks;

/// <summary>Which addresses webhooks may connect to: not link-local (cloud metadata), unspecified, broadcast or multicast ones.</summary>
public sealed class WebhookEgressTests
{
    [Theory]
    [InlineData("169.254.169.254", true)]
    [InlineData("169.254.0.1", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00:ec2::254", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("ff02::1", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("192.168.0.10", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2001:db8::1", false)]
    public void Link_local_metadata_unspecified_and_multicast_addresses_are_forbidden(string address, bool forbidden) =>
        Assert.Equal(forbidden, WebhookEgress.IsForbidden(IPAddress.Parse(address)));
}
