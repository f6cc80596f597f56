using System.CommandLine;

namespace Berth.Hosting;

/// <summary><c>berth serve</c>: run the registry until SIGTERM or Ctrl-C, then drain in-flight requests and exit 0.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var listen = new Option<string?>("--listen")
        {
            Description = "HOST:PORT to listen on (Server:Listen, default 127.0.0.1:5000).",
            HelpName = "HOST:PORT",
        };
        var externalUrl = new Option<string?>("--external-url")
        {
            Description = "The URL clients reach Berth at, behind a proxy or load balancer (Server:ExternalUrl).",
            HelpName = "URL",
        };
        var command = new Command("serve", "Run the registry: the OCI Distribution API on /v2/.");
        common.AddTo(command);
        command.Options.Add(listen);
        command.Options.Add(externalUrl);
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var overrides = common.Overrides(result);
            if (result.GetValue(listen) is { } listenValue)
            {
                overrides["Server:Listen"] = listenValue;
            }

            if (result.GetValue(externalUrl) is { } url)
            {
                overrides["Server:ExternalUrl"] = url;
            }

            var app = BerthApp.Build(BerthConfiguration.Build(result.GetValue(common.Config), overrides));
            await BerthApp.MigrateAsync(app.Services, cancellationToken);
            await app.RunAsync();
            return 0;
        }));
        return command;
    }
}
