using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Events;

/// <summary>An event POST as the fake receiver got it: headers and the raw body.</summary>
public sealed record ReceivedEvent(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string Type => Json.GetProperty("type").GetString()!;

    public string Id => Json.GetProperty("id").GetString()!;

    public JsonElement Data => Json.GetProperty("data");

    /// <summary>
    /// Checks the signature the way the README tells a receiver to: split <c>t=</c> and each
    /// <c>v1=</c>, HMAC-SHA256 keyed with the secret over "<c>t</c>." and the raw body, hex, constant-time compare.
    /// </summary>
    public bool IsSignedWith(string secret)
    {
        if (Header("X-Webhook-Signature") is not { } header)
        {
            return false;
        }
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        var timestamp = parts.FirstOrDefault(p => p[0] == "t")?[1];
        if (timestamp is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(Body).ToArray());
        return parts.Where(p => p[0] == "v1").Any(p =>
            p[1].Length == 64 && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(p[1]), expected));
    }

    public long Timestamp => long.Parse(Header("X-Webhook-Signature")!.Split(',')[0]["t=".Length..], CultureInfo.InvariantCulture);
}

/// <summary>What the receiver answers: a status, headers, and an optional delay first.</summary>
public sealed record ReceiverReply(int Status, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default)
{
    public static ReceiverReply Ok { get; } = new(200);
}

/// <summary>
/// A subscriber's server on <c>http://127.0.0.1:{free port}</c>: records every POST and answers
/// from a script, replies taken in order (<see cref="Script"/>), then <see cref="ReceiverReply.Ok"/>.
/// </summary>
public sealed class FakeEventReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedEvent> _received = [];
    private readonly Queue<ReceiverReply> _script = new();

    private FakeEventReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedEvent> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Answers the next requests with these replies, in order.</summary>
    public void Script(params ReceiverReply[] replies)
    {
        lock (_script)
        {
            foreach (var reply in replies) _script.Enqueue(reply);
        }
    }

    public static async Task<FakeEventReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new FakeEventReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Urls.Single()), "/hooks/whatsapp");
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var raw = new MemoryStream();
        await context.Request.Body.CopyToAsync(raw, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_received)
        {
            _received.Add(new ReceivedEvent(context.Request.Path, headers, raw.ToArray()));
        }
        ReceiverReply reply;
        lock (_script)
        {
            reply = _script.Count > 0 ? _script.Dequeue() : ReceiverReply.Ok;
        }
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the sender gave up
            }
        }
        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
