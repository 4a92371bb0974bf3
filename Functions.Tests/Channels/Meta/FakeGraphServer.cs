using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Channels.Meta;

/// <summary>A request as the fake Graph server received it.</summary>
public sealed record GraphRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body, byte[]? RawBody = null)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// What the fake Graph server answers: a status, a body, headers, and an optional delay before answering;
/// or, serving a file, <see cref="Bytes"/> with their <see cref="ContentType"/> (null for none).
/// </summary>
public sealed record GraphReply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null, TimeSpan Delay = default, byte[]? Bytes = null, string? ContentType = "application/json; charset=UTF-8")
{
    public static GraphReply File(byte[] bytes, string? contentType) => new(200, "", Bytes: bytes, ContentType: contentType);

    public const string AcceptedBody =
        """{"messaging_product":"whatsapp","contacts":[{"input":"+15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"}]}""";

    public static GraphReply Accepted => new(200, AcceptedBody);

    /// <summary>A Graph error body the way the Cloud API writes one.</summary>
    public static GraphReply Error(int status, int code, string message, string details, params (string Name, string Value)[] headers) =>
        new(status,
            $$$"""{"error":{"message":"{{{message}}}","type":"OAuthException","code":{{{code}}},"error_data":{"messaging_product":"whatsapp","details":"{{{details}}}"},"fbtrace_id":"AbCdEfGhIjK"}}""",
            headers.ToDictionary(h => h.Name, h => h.Value));
}

/// <summary>
/// A real Kestrel server on <c>http://127.0.0.1:{free port}</c> standing in for graph.facebook.com:
/// it records every request and answers from a script (<see cref="Respond"/>), by default the
/// Cloud API's answer to an accepted send. Nothing leaves the machine.
/// </summary>
public sealed class FakeGraphServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<GraphRequest> _requests = [];

    private FakeGraphServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Decides the answer to each request; replace it per test.</summary>
    public Func<GraphRequest, GraphReply> Respond { get; set; } = _ => GraphReply.Accepted;

    public IReadOnlyList<GraphRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeGraphServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeGraphServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Urls.Single());
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var raw = new MemoryStream();
        await context.Request.Body.CopyToAsync(raw, context.RequestAborted);
        var bytes = raw.ToArray();
        var body = Encoding.UTF8.GetString(bytes);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new GraphRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, bytes);
        lock (_requests)
        {
            _requests.Add(request);
        }

        var reply = Respond(request);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up
            }
        }
        context.Response.StatusCode = reply.Status;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }
        if (reply.ContentType is not null)
        {
            context.Response.ContentType = reply.ContentType;
        }
        if (reply.Bytes is not null)
        {
            await context.Response.Body.WriteAsync(reply.Bytes, context.RequestAborted);
            return;
        }
        await context.Response.WriteAsync(reply.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
