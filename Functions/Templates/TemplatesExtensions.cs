using Functions.Hosting;
using Functions.Storage;

namespace Functions.Templates;

public static class TemplatesExtensions
{
    public static IHostApplicationBuilder AddTemplates(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(TemplateStore.Table);
        builder.Services.AddSingleton<TemplateStore>();
        builder.Services.AddSingleton<TemplateReviews>();
        builder.Services.AddSingleton<TemplateSubmissions>();
        builder.Services.AddSingleton<TemplateSending>();
        builder.Services.AddSettings<TemplateOptions>(TemplateOptions.Section, o => o.Problems());
        builder.GetFunctionCatalog()
            .AddTemplateFunctions()
            .AddQueue<SandboxTemplateReviewHandler>("ReviewSandboxTemplate", TemplateSubmissions.SandboxReviewQueue)
            .AddTimer<SyncTemplateStatusesHandler>("SyncTemplateStatuses", "0 */15 * * * *");
        return builder;
    }
}
