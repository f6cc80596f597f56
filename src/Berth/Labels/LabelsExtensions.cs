namespace Berth.Labels;

public static class LabelsExtensions
{
    public static IServiceCollection AddLabels(this IServiceCollection services) => services.AddScoped<LabelService>();
}
