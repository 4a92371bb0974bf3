using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Functions.Hosting;
using Functions.Orders;
using Functions.Templates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Benchmarks;

/// <summary>
/// Order notifications end to end on loopback: concurrent order systems POST order events
/// (each its own order and customer, status Paid, every tenth event posted twice with the same
/// event id) to the real app (Kestrel, in-memory storage, an <c>orders</c> key); each is recorded
/// and its default template accepted into the outbound pipeline, whose SendQueuedMessage function
/// sends it to a fake Graph server on 127.0.0.1 that counts requests per customer. Reports the
/// event accept rate and latency, event → provider request throughput, and that none was lost
/// or sent twice.
/// </summary>
public static class OrdersScenario
{
    private const string OperatorKey = "bench-operator-key-0123456789abcdef0123456789";

    public static async Task<int> MainAsync(string[] args)
    {
        var clients = int.TryParse(args.ElementAtOrDefault(1), out var c) ? c : 32;
        var perClient = int.TryParse(args.ElementAtOrDefault(2), out var n) ? n : 200;
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC: {System.Runtime.GCSettings.IsServerGC}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {Load()}");
        Console.WriteLine("| what | clients | events | throughput | latency | | |\n|---|---:|---:|---:|---|---|---|");
        foreach (var row in await RunAsync(clients, perClient)) Console.WriteLine(row);
        return 0;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static async Task<IReadOnlyList<string>> RunAsync(int clients, int perClient)
    {
        var received = new ConcurrentDictionary<string, int>();
        await using var graph = await FakeGraph.StartAsync(received, countBy: "to");

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Platform:OperatorKey"] = OperatorKey;
        builder.Configuration["Queues:MaxPollingInterval"] = "00:00:00.200";
        builder.Configuration["Providers:Meta:BaseUrl"] = FakeGraph.Address(graph);
        builder.Configuration["Orders:DefaultTemplates"] = "false"; // approved below, as if Meta had reviewed them
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
        var key = await (await http.PostAsJsonAsync("/api/operator/tenants/bench/keys", new { role = "orders" })).Content.ReadFromJsonAsync<JsonElement>();
        // The default Paid template, approved as if Meta had reviewed it.
        var templates = app.Services.GetRequiredService<TemplateStore>();
        var paid = DefaultOrderTemplates.Definition(OrderStatus.Paid);
        await templates.CreateAsync("bench", paid, default);
        await templates.UpdateAsync("bench", paid.Name, paid.Language, 1, "reviewed", t => t with { Status = TemplateStatus.Approved, ProviderTemplateId = "1" }, default);
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
            LoadTest.Row("POST /api/orders/events (paid; every 10th posted twice, same event id)", clients, accept),
            $"| event accepted → template request at the fake Meta server, end to end | {clients} | {expected:N0} | {received.Count / endToEnd.TotalSeconds:N0} msg/s | received {received.Count:N0} of {expected:N0} | sent twice: {twice} | |",
        ];
    }

    private static readonly DateTimeOffset OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-5);

    /// <summary>Each (client, i) is one order's Paid event; every tenth is posted a second time with the same event id and body.</summary>
    private static HttpRequestMessage Send(int client, int i)
    {
        var n = FakeGraph.Message(i);
        return new HttpRequestMessage(HttpMethod.Post, "/api/orders/events")
        {
            Content = JsonContent.Create(new
            {
                eventId = $"bench-{client}-{n}",
                orderId = $"B{client}-{n + 1_000_000}",
                status = "paid",
                occurredAt = OccurredAt,
                customerPhone = Phone(client, n),
            }),
        };
    }

    private static string Phone(int client, int n) => $"+46{client:D3}{n + 1_000_000:D7}";
}
