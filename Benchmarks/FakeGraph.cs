using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Benchmarks;

/// <summary>What the send scenarios share: a fake Graph server on loopback that counts sends, and the request plan.</summary>
internal static class FakeGraph
{
    /// <summary>
    /// A Graph API stand-in on 127.0.0.1 that answers every send and counts requests by the value
    /// of <paramref name="countBy"/> in its JSON body (a second request for the same value is a second send).
    /// </summary>
    public static async Task<WebApplication> StartAsync(ConcurrentDictionary<string, int> received, string countBy)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var graph = builder.Build();
        var ids = 0L;
        graph.Run(async context =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var key = body.RootElement.GetProperty(countBy).GetString()!;
            received.AddOrUpdate(key, 1, (_, n) => n + 1);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"messaging_product":"whatsapp","messages":[{"id":"wamid.bench.{{Interlocked.Increment(ref ids)}}"}]}""");
        });
        await graph.StartAsync();
        return graph;
    }

    public static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    /// <summary>Which message the i-th request is: every tenth repeats the one before.</summary>
    public static int Message(int i) => i % 10 == 9 ? i - 1 : i;
}
