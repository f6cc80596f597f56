using Berth.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Berth.Webhooks;

/// <summary>How webhook payloads name this registry in <c>resource_url</c>: the external URL's host, else the address it listens on.</summary>
public sealed class RegistryAddress(IOptions<ServerOptions> options, IServer server)
{
    public string Host
    {
        get
        {
            if (options.Value.ExternalUrl is { } external)
            {
                return external.Authority;
            }

            var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            return listening is not null && Uri.TryCreate(listening, UriKind.Absolute, out var uri) ? uri.Authority : options.Value.Listen;
        }
    }
}
