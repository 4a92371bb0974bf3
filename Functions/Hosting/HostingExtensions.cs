namespace Functions.Hosting;

public static class HostingExtensions
{
    public static IHostApplicationBuilder AddFunctionsApp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new FunctionCatalog());
        return builder;
    }

    public static WebApplication MapFunctionsApp(this WebApplication app) => app;
}
