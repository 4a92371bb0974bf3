using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Benchmarks;

/// <summary>
/// Signed Meta webhooks posted to the real app on loopback (Kestrel, in-memory storage) by 64
/// concurrent clients, side by side with GET /api/health from the same clients (the ceiling);
/// then how fast the queued events become stored conversation messages.
/// </summary>
public static class WebhookScenario
{
    private const string AppSecret = "0123456789abcdef0123456789abcdef";
    private const string OperatorKey = "bench-operator-key-0123456789abcdef0123456789";

    public static async Task<IReadOnlyList<string>> RunAsync(int clients, int requestsPerClient, bool processWhileIngesting = true)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Platform:OperatorKey"] = OperatorKey;
        builder.Configuration["Queues:MaxPollingInterval"] = "00:00:00.200";
        builder.AddFunctionsApp();
        if (!processWhileIngesting)
        {
            // Ingestion alone: the queue runner starts only after the webhooks are in.
            var runner = builder.Services.Single(d => d.ImplementationType == typeof(QueueRunner));
            builder.Services.Remove(runner);
            builder.Services.AddSingleton<QueueRunner>();
        }
        await using var app = builder.Build();
        app.MapFunctionsApp();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);
        (await http.PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Bench", slug = "bench",
            provider = new { type = "meta", phoneNumberId = "106540352242922", businessAccountId = "102290129340398", accessToken = "t", appSecret = AppSecret, verifyToken = "v" },
        })).EnsureSuccessStatusCode();
        http.DefaultRequestHeaders.Authorization = null;

        var rows = new List<string>();
        // Warm up both paths, then measure each with the same concurrency.
        await LoadTest.MeasureAsync(http, clients, 20, (c, i) => new HttpRequestMessage(HttpMethod.Get, "/api/health"));
        await LoadTest.MeasureAsync(http, clients, 20, (c, i) => Webhook(c, -1 - i));
        var health = await LoadTest.MeasureAsync(http, clients, requestsPerClient, (c, i) => new HttpRequestMessage(HttpMethod.Get, "/api/health"));
        var started = Stopwatch.StartNew();
        var webhooks = await LoadTest.MeasureAsync(http, clients, requestsPerClient, Webhook);
        rows.Add(LoadTest.Row("GET /api/health (ceiling)", clients, health));
        rows.Add(LoadTest.Row($"POST /api/webhooks/meta/{{tenant}}, signed{(processWhileIngesting ? ", processing at the same time" : ", processing afterwards")}", clients, webhooks));

        // Inbound to stored: every accepted webhook processed into its conversation.
        if (!processWhileIngesting)
        {
            started.Restart();
            await app.Services.GetRequiredService<QueueRunner>().StartAsync(default);
        }
        var queues = app.Services.GetRequiredService<IQueueStore>();
        while (await queues.GetApproximateMessageCountAsync("webhook-events") > 0)
        {
            await Task.Delay(50);
        }
        var elapsed = started.Elapsed;
        var store = app.Services.GetRequiredService<ConversationStore>();
        var stored = 0;
        for (var c = 0; c < clients; c++)
        {
            var conversation = await store.FindOpenAsync("bench", "106540352242922", Customer(c), default); // keyed by the tenant's sender: Meta's phone number id
            stored += conversation?.UnreadCount ?? 0;
        }
        var expected = clients * (requestsPerClient + 20);
        rows.Add($"| {(processWhileIngesting ? "inbound to stored message (accept → queue → conversation), end to end" : "processing the queued webhooks into conversations")} | {clients} | {expected:N0} | {expected / elapsed.TotalSeconds:N0} msg/s | stored {stored:N0} of {expected:N0} | | |");
        if (!processWhileIngesting)
        {
            await app.Services.GetRequiredService<QueueRunner>().StopAsync(default);
        }
        await app.StopAsync();
        return rows;
    }

    private static string Customer(int client) => $"+4670{client:D7}";

    private static HttpRequestMessage Webhook(int client, int i)
    {
        var json = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
              "contacts":[{"profile":{"name":"Customer {{{client}}}"},"wa_id":"{{{Customer(client)[1..]}}}"}],
              "messages":[{"from":"{{{Customer(client)[1..]}}}","id":"wamid.bench.{{{client}}}.{{{i}}}","timestamp":"1763802000","type":"text","text":{"body":"Where is my order #{{{i}}}?"}}]}}]}]}
            """;
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/meta/bench") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AppSecret), body)));
        return request;
    }
}
