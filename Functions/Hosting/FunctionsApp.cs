using Functions.CannedResponses;
using Functions.Channels.Sandbox;
using Functions.Contacts;
using Functions.Events;
using Functions.Orders;
using Functions.Orders.Tracking;
using Functions.Outbound;
using Functions.Conversations;
using Functions.Conversations.Notes;
using Functions.Conversations.ScheduledReplies;
using Functions.Templates;
using Functions.Tenants;
using Functions.Webhooks;
using Microsoft.Extensions.Options;

namespace Functions.Hosting;

/// <summary>Everything the app is made of, in one place for Program and the tests.</summary>
public static class FunctionsApp
{
    public static IHostApplicationBuilder AddFunctionsApp(this IHostApplicationBuilder builder)
    {
        builder.AddFunctionsHosting();
        builder.AddTenants();
        // Operator-only: authorised by the API-key scheme AddTenants sets up.
        builder.GetFunctionCatalog().AddPoisonMessageFunctions();
        builder.AddContacts();
        builder.AddConversations();
        // The agent's desk: internal notes, canned responses, replies scheduled for later.
        builder.AddConversationNotes();
        builder.AddCannedResponses();
        builder.AddScheduledReplies();
        builder.AddTemplates();
        builder.AddOutbound();
        builder.AddWebhooks();
        builder.AddSandbox();
        builder.AddEvents();
        builder.AddOrders();
        builder.AddOrderTracking();
        return builder;
    }

    public static WebApplication MapFunctionsApp(this WebApplication app)
    {
        app.MapFunctionsHosting();
        return app;
    }

    /// <summary>Runs the app, or, for <c>package &lt;dir&gt;</c>, writes the Functions package metadata and exits.</summary>
    public static void RunOrPackage(this WebApplication app, string[] args)
    {
        if (FunctionsPackage.IsPackageCommand(args, out var directory))
        {
            FunctionsPackage.Write(directory, app.Services.GetRequiredService<FunctionCatalog>(),
                app.Services.GetRequiredService<IOptions<QueueRunnerOptions>>().Value);
            Console.WriteLine($"Wrote host.json and function.json files to {directory}");
            return;
        }
        app.Run();
    }
}
