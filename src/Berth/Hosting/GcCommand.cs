using System.CommandLine;
using Berth.Gc;
using Spectre.Console;

namespace Berth.Hosting;

/// <summary><c>berth gc</c>: one garbage collection, now, in this process, with progress; the registry may keep serving.</summary>
internal static class GcCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would be removed; change nothing." };
        var deleteUntagged = new Option<bool>("--delete-untagged") { Description = "Also delete artifacts that no tag names." };
        var workers = new Option<int>("--workers") { Description = "Parallel deletes against the store, 1 to 10.", DefaultValueFactory = _ => 4 };
        var command = new Command("gc", """
            Collect garbage now: blobs that nothing references and that were not touched within the grace window
            (Gc:GraceWindow, default 2 hours). Safe while the registry serves: it never removes what a push in progress needs.
            """);
        common.AddTo(command);
        command.Options.Add(dryRun);
        command.Options.Add(deleteUntagged);
        command.Options.Add(workers);
        command.SetAction((result, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var overrides = common.Overrides(result);
            overrides["Jobs:Enabled"] = "false";
            var app = BerthApp.Build(BerthConfiguration.Build(result.GetValue(common.Config), overrides));
            await BerthApp.MigrateAsync(app.Services, cancellationToken);
            var parameters = new GcParameters
            {
                DryRun = result.GetValue(dryRun),
                DeleteUntagged = result.GetValue(deleteUntagged),
                Workers = result.GetValue(workers),
            };
            if (parameters.Workers is < 1 or > 10)
            {
                await Console.Error.WriteLineAsync("berth: --workers must be between 1 and 10");
                return CommandErrors.ConfigurationError;
            }

            await using var scope = app.Services.CreateAsyncScope();
            var gc = scope.ServiceProvider.GetRequiredService<GcService>();
            var outcome = await RunWithProgressAsync(gc, parameters, cancellationToken);
            var verb = parameters.DryRun ? "would free" : "freed";
            await Console.Out.WriteLineAsync(
                $"GC done: {verb} {outcome.FreedSpace} bytes in {outcome.PurgedBlobs} blobs; {outcome.PurgedManifests} untagged artifacts, {outcome.PurgedOrphans} orphaned blobs, {outcome.UnlinkedBlobs} stale repository links.");
            return 0;
        }));
        return command;
    }

    /// <summary>A live bar on a terminal; one line per step when the output goes to a file or a pipe.</summary>
    private static async Task<GcResult> RunWithProgressAsync(GcService gc, GcParameters parameters, CancellationToken cancellationToken)
    {
        void Log(string line) => Console.WriteLine(line);
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await gc.RunAsync(parameters, Log, p => Console.WriteLine($"{p.Phase}: {p.Done}{(p.Total is { } t ? $"/{t}" : "")}"),
                cancellationToken);
        }

        GcResult? outcome = null;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
            outcome = await gc.RunAsync(parameters, line => AnsiConsole.MarkupLine(Markup.Escape(line)), p =>
            {
                if (!tasks.TryGetValue(p.Phase, out var task))
                {
                    task = tasks[p.Phase] = progress.AddTask(Markup.Escape(p.Phase), maxValue: Math.Max(1, p.Total ?? p.Done));
                }

                task.MaxValue = Math.Max(task.MaxValue, p.Total ?? p.Done);
                task.Value = p.Done;
            }, cancellationToken);
            foreach (var task in tasks.Values)
            {
                task.Value = task.MaxValue;
            }
        });
        return outcome!;
    }
}
