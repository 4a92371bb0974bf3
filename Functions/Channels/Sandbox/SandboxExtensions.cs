using Functions.Hosting;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Channels.Sandbox;

public static class SandboxExtensions
{
    /// <summary>The sandbox provider: its table of sends, its settings, the channel and its HTTP functions.</summary>
    public static IHostApplicationBuilder AddSandbox(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(SandboxMessage.Table);
        builder.Services.AddSettings<SandboxOptions>(SandboxOptions.Section, SandboxOptions.Validate);
        builder.Services.AddSingleton<SandboxChannel>();
        builder.GetFunctionCatalog().AddSandboxFunctions();
        return builder;
    }
}
