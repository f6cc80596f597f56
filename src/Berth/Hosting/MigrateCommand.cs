using System.CommandLine;

namespace Berth.Hosting;

/// <summary><c>berth migrate</c>: bring the database schema up to date and exit, without serving.</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var command = new Command("migrate", "Apply pending database migrations and exit (serve does this on start too).");
        common.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var app = BerthApp.Build(BerthConfiguration.Build(result.GetValue(common.Config), common.Overrides(result)));
            await BerthApp.MigrateAsync(app.Services, cancellationToken);
            await Console.Out.WriteLineAsync("The database schema is up to date.");
            return 0;
        }));
        return command;
    }
}
