using System.CommandLine;
using Berth.Hosting;

var root = new RootCommand("""
    Berth: an OCI container registry with Harbor's management API.

    With no configuration `berth serve` listens on 127.0.0.1:5000 and keeps its SQLite database and blobs in ./data
    (--storage s3://BUCKET/PREFIX?endpoint=URL keeps the blobs in S3 instead).
    Settings come from (lowest to highest) built-in defaults, ./berth.json (or --config), environment variables
    BERTH__Section__Key (for example BERTH__Server__Listen=0.0.0.0:5000) and command-line flags.
    """);
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(MigrateCommand.Create());
root.Subcommands.Add(GcCommand.Create());
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
