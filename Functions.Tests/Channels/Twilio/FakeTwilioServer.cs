using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Functions.Tests.Channels.Twilio;

/// <summary>A request as the fake Twilio server received it off the wire.</summary>
public sealed record TwilioRecordedRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    IReadOnlyList<KeyValuePair<string, string>> Form)
{
    /// <summary>Every value of a form field, in order.</summary>
    public IReadOnlyList<string> Values(string name) => [.. Form.Where(f => f.Key == name).Select(f => f.Value)];

    /// <summary>The only value of a form field; fails the test if it is absent or repeated.</summary>
    public string Single(string name) => Assert.Single(Values(name));

    public IReadOnlyList<string> FieldNames => [.. Form.Select(f => f.Key)];
}

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, a free port) that plays Twilio's Messages API: it
/// records every request and answers from a script. Set <see cref="Respond"/> before sending.
/// </summary>
public sealed class FakeTwilioServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<TwilioRecordedRequest> _requests = [];

    private FakeTwilioServer(WebApplication app) => _app = app;

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:54321/</c>: what goes in <c>TwilioClientOptions.BaseUrl</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>
    /// How to answer a request; the default is Twilio's 201 for a queued message. The
    /// <see cref="HttpContext"/> is there for answers a script cannot express with a status and a
    /// body (delays, dropped connections): write the response or abort.
    /// </summary>
    public Func<TwilioRecordedRequest, HttpContext, Task> Respond { get; set; } = (_, context) => Created(context, "SM" + new string('a', 32), "queued");

    public IReadOnlyList<TwilioRecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<FakeTwilioServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.AddServerHeader = false);
        var app = builder.Build();
        var server = new FakeTwilioServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Twilio's 201 answer to a message create.</summary>
    public static Task Created(HttpContext context, string sid, string status) =>
        Json(context, 201, $$"""
            {"account_sid":"AC00000000000000000000000000000000","api_version":"2010-04-01","body":"","direction":"outbound-api",
             "error_code":null,"error_message":null,"from":"whatsapp:+14155238886","num_media":"0","num_segments":"1",
             "price":null,"price_unit":null,"sid":"{{sid}}","status":"{{status}}","to":"whatsapp:+46701234567",
             "uri":"/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/{{sid}}.json"}
            """);

    /// <summary>Twilio's error answer: <c>{code, message, more_info, status}</c>.</summary>
    public static Task Error(HttpContext context, int status, int code, string message, params (string Name, string Value)[] headers)
    {
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }
        return Json(context, status, $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{status}}}""");
    }

    public static async Task Json(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(json, context.RequestAborted);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var form = new List<KeyValuePair<string, string>>();
        if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var formReader = new FormReader(body);
            while (await formReader.ReadNextPairAsync(context.RequestAborted) is { } pair)
            {
                form.Add(new(pair.Key, pair.Value));
            }
        }
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new TwilioRecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body, form);
        lock (_requests)
        {
            _requests.Add(recorded);
        }
        await Respond(recorded, context);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
