using System.Diagnostics;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Functions.Events;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Benchmarks;

/// <summary>
/// Outgoing events: signed Meta webhooks (customer messages) posted to the real app on loopback
/// (in-memory storage, standalone runners), each published as <c>message.received</c> to one
/// subscriber, a Kestrel receiver on loopback that checks every signature and answers 200.
/// Reports how fast webhooks are accepted and how fast and how late (event time to receipt)
/// events arrive, and that each arrived once.
/// </summary>
public static class EventsScenario
{
    private const string AppSecret = "0123456789abcdef0123456789abcdef";
    private const string OperatorKey = "bench-operator-key-0123456789abcdef0123456789";

    public static async Task<IReadOnlyList<string>> RunAsync(int clients, int requestsPerClient)
    {
        var receiver = await Receiver.StartAsync();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["Platform:OperatorKey"] = OperatorKey;
        builder.Configuration["Queues:MaxPollingInterval"] = "00:00:00.200";
        builder.Configuration["Events:RequireHttps"] = "false";
        builder.Configuration["Events:AllowPrivateNetworks"] = "true";
        builder.AddFunctionsApp();
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
        var key = await (await http.PostAsJsonAsync("/api/operator/tenants/bench/keys", new { role = "admin" })).Content.ReadFromJsonAsync<CreatedApiKey>(TenantEvents.DataJson);
        http.DefaultRequestHeaders.Authorization = new("Bearer", key!.Key);
        var subscription = await (await http.PostAsJsonAsync("/api/events/subscriptions", new { url = receiver.Url, types = new[] { EventTypes.MessageReceived } }))
            .Content.ReadFromJsonAsync<SubscriptionWithSecret>(TenantEvents.DataJson);
        receiver.Secret = subscription!.Secret;
        http.DefaultRequestHeaders.Authorization = null;

        var expected = clients * requestsPerClient;
        var started = Stopwatch.StartNew();
        var webhooks = await LoadTest.MeasureAsync(http, clients, requestsPerClient, Webhook);
        while (receiver.Count < expected && started.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(50);
        }
        var elapsed = started.Elapsed;
        await Task.Delay(1000); // anything extra (a second delivery) would arrive now
        await app.StopAsync();
        await receiver.DisposeAsync();

        var (p50, p99) = receiver.Latencies();
        return
        [
            LoadTest.Row("POST /api/webhooks/meta/{tenant}, signed, with a message.received subscriber", clients, webhooks),
            $"| webhook accepted → event received by the subscriber (signed POST, checked), end to end | {clients} | {expected:N0} | {receiver.Count / elapsed.TotalSeconds:N0} events/s | p50 {p50:N0} ms | p99 {p99:N0} ms | received {receiver.Count:N0} of {expected:N0}, {receiver.Distinct:N0} distinct ids, {receiver.BadSignatures} bad signatures |",
        ];
    }

    private static string Customer(int client) => $"+4670{client:D7}";

    private static HttpRequestMessage Webhook(int client, int i)
    {
        var json = $$$"""
            {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
              "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
              "contacts":[{"profile":{"name":"Customer {{{client}}}"},"wa_id":"{{{Customer(client)[1..]}}}"}],
              "messages":[{"from":"{{{Customer(client)[1..]}}}","id":"wamid.bench.{{{client}}}.{{{i}}}","timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}","type":"text","text":{"body":"Where is my order #{{{i}}}?"}}]}}]}]}
            """;
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks/meta/bench") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AppSecret), body)));
        return request;
    }

    /// <summary>A subscriber: checks each signature, counts distinct event ids, and measures event time to receipt.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HashSet<string> _ids = [];
        private readonly List<double> _latencies = [];
        private int _count;
        private int _bad;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public string Secret { get; set; } = "";
        public int Count => Volatile.Read(ref _count);
        public int BadSignatures => Volatile.Read(ref _bad);

        public int Distinct
        {
            get
            {
                lock (_ids) return _ids.Count;
            }
        }

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.Run(receiver.HandleAsync);
            await app.StartAsync();
            receiver.Url = app.Urls.Single() + "/hooks";
            return receiver;
        }

        private async Task HandleAsync(HttpContext context)
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var header = context.Request.Headers["X-Webhook-Signature"].ToString().Split(',');
            var t = header[0]["t=".Length..];
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(t + ".").Concat(body).ToArray()));
            if (!header.Skip(1).Any(v => v == "v1=" + expected)) Interlocked.Increment(ref _bad);
            using var json = JsonDocument.Parse(body);
            var createdAt = json.RootElement.GetProperty("createdAt").GetDateTimeOffset();
            lock (_ids)
            {
                _ids.Add(json.RootElement.GetProperty("id").GetString()!);
                _latencies.Add((DateTimeOffset.UtcNow - createdAt).TotalMilliseconds);
            }
            Interlocked.Increment(ref _count);
            context.Response.StatusCode = 200;
        }

        public (double P50, double P99) Latencies()
        {
            lock (_ids)
            {
                var sorted = _latencies.Order().ToList();
                return sorted.Count == 0 ? (0, 0) : (sorted[(int)(0.5 * (sorted.Count - 1))], sorted[(int)(0.99 * (sorted.Count - 1))]);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
