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
        return builder;
    }
}
