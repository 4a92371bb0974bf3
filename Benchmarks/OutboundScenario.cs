using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Hosting;
using Functions.Templates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Benchmarks;

/// <summary>
/// Outbound sends end to end on loopback: concurrent clients POST template messages (each to
/// its own customer, each with an Idempotency-Key, every tenth posted twice) to the real app
/// (Kestrel, in-memory storage); the SendQueuedMessage function sends them to a fake Graph
/// server on 127.0.0.1, which counts each message id it receives. Reports the API's accept rate
/// and latency, accept → provider request throughput, and that none was lost or sent twice.
/// </summary>
public static class OutboundScenario
{
    private const string OperatorKey = "bench-operator-key-0123456789abcdef0123456789";

    public static async Task<IReadOnlyList<string>> RunAsync(int clients, int perClient)
    {
        var received = new ConcurrentDictionary<string, int>();
        await using var graph = await FakeGraph.StartAsync(received, countBy: "biz_opaque_callback_data");

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Platform:OperatorKey"] = OperatorKey;
        builder.Configuration["Queues:MaxPollingInterval"] = "00:00:00.200";
        builder.Configuration["Providers:Meta:BaseUrl"] = FakeGraph.Address(graph);
        builder.AddFunctionsApp();
        await using var app = builder.Build();
        app.MapFunctionsApp();
        await app.StartAsync();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(FakeGraph.Address(app)) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", OperatorKey);
        (await http.PostAsJsonAsync("/api/operator/tenants", new
        {
            name = "Bench", slug = "bench",
            provider = new { type = "meta", phoneNumberId = "106540352242922", businessAccountId = "102290129340398", accessToken = "t", appSecret = "0123456789abcdef0123456789abcdef", verifyToken = "v" },
        })).EnsureSuccessStatusCode();
        var key = await (await http.PostAsJsonAsync("/api/operator/tenants/bench/keys", new { role = "admin" })).Content.ReadFromJsonAsync<JsonElement>();
        // An approved template, as if Meta had reviewed it.
        var templates = app.Services.GetRequiredService<TemplateStore>();
        await templates.CreateAsync("bench", new TemplateDefinition("order_update", "en", TemplateCategory.Utility,
            new TemplateComponents("Your order {{1}} has been updated.", new Dictionary<string, string> { ["1"] = "#1042" })), default);
        await templates.UpdateAsync("bench", "order_update", "en", 1, "reviewed", t => t with { Status = TemplateStatus.Approved, ProviderTemplateId = "1" }, default);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key.GetProperty("key").GetString());

        // Warm up, then wait for the warm-up sends to be out of the way.
        await LoadTest.MeasureAsync(http, clients, 5, (c, i) => Send(c, -1 - i));
        while (received.Count < clients * 5) await Task.Delay(50);
        received.Clear();

        var started = Stopwatch.StartNew();
        var accept = await LoadTest.MeasureAsync(http, clients, perClient, Send);
        var expected = clients * Enumerable.Range(0, perClient).Select(FakeGraph.Message).Distinct().Count();
        var deadline = Stopwatch.StartNew();
        while (received.Count < expected && deadline.Elapsed < TimeSpan.FromMinutes(5)) await Task.Delay(20);
        var endToEnd = started.Elapsed;
        await Task.Delay(1000); // let any second send show itself
        var twice = received.Values.Count(n => n > 1);
        await app.StopAsync();

        return
        [
            LoadTest.Row("POST /api/messages (template, Idempotency-Key; every 10th posted twice)", clients, accept),
            $"| accepted → request at the fake Meta server, end to end | {clients} | {expected:N0} | {received.Count / endToEnd.TotalSeconds:N0} msg/s | received {received.Count:N0} of {expected:N0} | sent twice: {twice} | |",
        ];
    }

    /// <summary>Each (client, i) is one message; every tenth is posted a second time with the same key.</summary>
    private static HttpRequestMessage Send(int client, int i)
    {
        var n = FakeGraph.Message(i);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/messages")
        {
            Content = JsonContent.Create(new
            {
                to = $"+46{client:D3}{n + 1_000_000:D7}",
                type = "template",
                template = new { name = "order_update", language = "en", parameters = new Dictionary<string, string> { ["1"] = $"#{client}-{n}" } },
            }),
        };
        request.Headers.Add("Idempotency-Key", $"bench-{client}-{n}");
        return request;
    }
}
