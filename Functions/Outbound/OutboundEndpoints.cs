using System.Security.Claims;
using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Contacts;
using Functions.Conversations;
using Functions.Hosting;
using Functions.Storage;
using Functions.Templates;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Functions.Outbound;

/// <summary>
/// Sending: <c>POST /api/messages</c> (to a phone number) and <c>POST /api/conversations/{id}/messages</c>
/// validate, check the care window and consent, store the message as queued and queue it; the
/// <c>SendMessage</c> queue function sends it. <c>GET /api/messages/{id}</c> shows it with its trace.
/// </summary>
public static class OutboundEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKeyLength = 255;

    public static IHostApplicationBuilder AddOutbound(this IHostApplicationBuilder builder)
    {
        builder.GetStorageLayout().AddTables(MessageTrace.Table, RecipientPacing.Table);
        builder.Services.AddSettings<OutboundOptions>(OutboundOptions.Section, o => o.Problems());
        builder.Services.AddSettings<ProviderEndpoints>(ProviderEndpoints.Section, o => o.Problems());
        builder.Services.AddSingleton(sp => new TwilioClient(
            ProviderHttp(), sp.GetRequiredService<IOptions<ProviderEndpoints>>().Value.TwilioOptions(), sp.GetRequiredService<ILogger<TwilioClient>>()));
        builder.Services.AddSingleton(sp => new MetaClient(ProviderHttp(), sp.GetRequiredService<IOptions<ProviderEndpoints>>().Value.MetaOptions()));
        builder.Services.AddSingleton(sp => new MetaTemplateClient(ProviderHttp(), sp.GetRequiredService<IOptions<ProviderEndpoints>>().Value.MetaOptions()));
        builder.Services.AddSingleton(sp => new MediaExampleFetcher(
            MediaExampleFetcher.CreateHttpClient(sp.GetRequiredService<IOptions<ProviderEndpoints>>().Value.MediaExamplesFromPrivateNetworks)));
        builder.Services.AddSingleton(sp => new TwilioContentClient(
            ProviderHttp(), sp.GetRequiredService<IOptions<ProviderEndpoints>>().Value.TwilioOptions(), sp.GetRequiredService<ILogger<TwilioContentClient>>()));
        builder.Services.AddSingleton<ChannelSender>();
        builder.Services.AddSingleton<MessageTrace>();
        builder.Services.AddSingleton<OutboundMessages>();
        builder.Services.AddSingleton<OutboundSending>();
        builder.Services.AddSingleton<RecipientPacing>();
        builder.GetFunctionCatalog()
            .AddHttp("SendMessage", "POST", "messages", SendToPhoneAsync, TenantAccess.AdminOrAgent)
            .AddHttp("SendConversationMessage", "POST", "conversations/{conversationId}/messages", SendInConversationAsync, TenantAccess.AdminOrAgent)
            .AddHttp("GetMessage", "GET", "messages/{messageId}", GetMessageAsync, TenantAccess.AdminOrAgent)
            .AddQueue<SendMessageHandler>("SendQueuedMessage", OutboundMessages.Queue);
        return builder;
    }

    /// <summary>One connection pool per provider client for the app's life, renewed now and then so DNS changes are seen.</summary>
    private static HttpClient ProviderHttp() =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public sealed record SendServices(
        ClaimsPrincipal User, HttpRequest Http, TenantDirectory Tenants, ConversationStore Conversations, OutboundSending Sending);

    public static async Task<IResult> SendToPhoneAsync(SendRequest request, [AsParameters] SendServices s, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is not { } tenant) return TenantGone();
        var errors = new Dictionary<string, string[]>();
        string? phone = null;
        if (request.To is null) errors["to"] = ["The recipient's phone number is required."];
        else if (!PhoneNumbers.TryNormalize(request.To, tenant.DefaultCountryCode, out phone, out var error)) errors["to"] = [error];
        var key = IdempotencyKey(s.Http, errors);
        // The request as the caller made it (its target as given, never the conversation it resolved to),
        // so a retry after the first request opened a conversation is still the same request.
        var normalized = request with { To = phone };
        var outcome = await s.Sending.SendAsync(tenant, normalized, errors, key, RequestHash(s.Http, normalized), async () =>
        {
            var sender = ProviderAccounts.SenderId(tenant.Provider);
            return (await s.Conversations.FindOpenAsync(tenant.Id, sender, phone!, cancellationToken), phone!);
        }, cancellationToken);
        return Answer(outcome);
    }

    public static async Task<IResult> SendInConversationAsync(string conversationId, SendRequest request, [AsParameters] SendServices s, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is not { } tenant) return TenantGone();
        var errors = new Dictionary<string, string[]>();
        if (request.To is not null) errors["to"] = ["A message in a conversation goes to its contact; leave 'to' out (or use POST /api/messages)."];
        var key = IdempotencyKey(s.Http, errors);
        return Answer(await s.Sending.SendInConversationAsync(tenant, conversationId, request, errors, key, RequestHash(s.Http, request), cancellationToken));
    }

    private static string RequestHash(HttpRequest http, SendRequest request) =>
        OutboundMessages.Hash(http.Path + "\n" + JsonSerializer.Serialize(request, JsonSerializerOptions.Web));

    /// <summary>The answer to a send: 202 with the message, or the refusal as a problem body.</summary>
    private static IResult Answer(SendOutcome outcome) => outcome.Refusal is { } refusal ? Problem(refusal) : Answer(outcome.Accepted!);

    internal static IResult Problem(SendRefusal refusal)
    {
        if (refusal.IsValidation)
        {
            return TypedResults.ValidationProblem(refusal.Errors!, title: refusal.Title);
        }
        if (refusal.Errors is { } errors)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = refusal.Status, Title = refusal.Title, Detail = refusal.Detail });
        }
        if (refusal.Code is null)
        {
            return TypedResults.Problem(statusCode: refusal.Status, title: refusal.Title, detail: refusal.Detail);
        }
        return refusal.Code == SendRules.CareWindowClosed
            ? Refused(refusal.Status, refusal.Code, refusal.Title, refusal.Detail!, ("windowClosedAt", refusal.WindowClosedAt))
            : Refused(refusal.Status, refusal.Code, refusal.Title, refusal.Detail!);
    }

    private static IResult Answer(Accepted accepted)
    {
        if (accepted.KeyReusedDifferently)
        {
            return Refused(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "The Idempotency-Key was used for a different request.",
                $"This key already sent message {accepted.Message?.Id}; a key stands for one request. Use a new key for a new message.");
        }
        if (accepted.Message is not { } message)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The Idempotency-Key is in use.", detail: "Try again in a moment.");
        }
        return new AcceptedMessage(MessageView.Of(message), accepted.Replayed);
    }

    public static async Task<Results<Ok<MessageView>, ProblemHttpResult>> GetMessageAsync(
        string messageId, ClaimsPrincipal user, OutboundMessages messages, MessageTrace trace, CancellationToken cancellationToken)
    {
        if (await messages.FindAsync(user.TenantId(), messageId, cancellationToken) is not { } stored)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: "This tenant has no message with that id.");
        }
        return TypedResults.Ok(MessageView.Of(stored.Message, await trace.ReadAsync(user.TenantId(), messageId, cancellationToken)));
    }

    /// <summary>The Idempotency-Key header: absent, or 1 to 255 visible ASCII characters.</summary>
    private static string? IdempotencyKey(HttpRequest http, Dictionary<string, string[]> errors)
    {
        if (!http.Headers.TryGetValue(IdempotencyHeader, out var values))
        {
            return null;
        }
        var key = values.Count == 1 ? values[0] : null;
        if (key is null || key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            errors[IdempotencyHeader] = [$"The {IdempotencyHeader} header is one value of 1 to {MaxIdempotencyKeyLength} visible ASCII characters (a UUID, say)."];
            return null;
        }
        return key;
    }

    private static ProblemHttpResult Refused(int status, string code, string title, string detail, params (string Name, object? Value)[] extra)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        foreach (var (name, value) in extra) extensions[name] = value;
        return TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }

    private static ProblemHttpResult TenantGone() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such tenant.", detail: "The key's tenant no longer exists.");

    /// <summary>202 with the message and where to follow it; a replayed Idempotency-Key says so in a header.</summary>
    private sealed class AcceptedMessage(MessageView message, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (replayed) httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Accepted($"/api/messages/{message.Id}", message).ExecuteAsync(httpContext);
        }
    }
}

/// <summary>Where the providers' APIs are (settings <c>Providers:Twilio:BaseUrl</c>, <c>Providers:Meta:BaseUrl</c>), so tests point them at fakes.</summary>
public sealed class ProviderEndpoints
{
    public const string Section = "Providers";

    public ProviderEndpoint Twilio { get; set; } = new();
    public ProviderEndpoint Meta { get; set; } = new();

    /// <summary>
    /// <c>Providers:MediaExamplesFromPrivateNetworks</c>: whether template example files may be fetched
    /// from loopback and private addresses. Off (public addresses only) except in tests, whose fake servers are on 127.0.0.1.
    /// </summary>
    public bool MediaExamplesFromPrivateNetworks { get; set; }

    public TwilioClientOptions TwilioOptions() => new()
    {
        BaseUrl = Twilio.BaseUrl ?? new TwilioClientOptions().BaseUrl,
        ContentBaseUrl = Twilio.ContentBaseUrl ?? new TwilioClientOptions().ContentBaseUrl,
        Timeout = Twilio.Timeout ?? new TwilioClientOptions().Timeout,
    };

    public MetaClientOptions MetaOptions() => new()
    {
        BaseUrl = Meta.BaseUrl ?? new MetaClientOptions().BaseUrl,
        Timeout = Meta.Timeout ?? new MetaClientOptions().Timeout,
    };

    internal IEnumerable<string> Problems()
    {
        foreach (var (name, endpoint) in new[] { ("Twilio", Twilio), ("Meta", Meta) })
        {
            foreach (var (setting, url) in new[] { ("BaseUrl", endpoint.BaseUrl), ("ContentBaseUrl", endpoint.ContentBaseUrl) })
            {
                if (url is not null && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || url.Query.Length > 0))
                {
                    yield return $"Providers:{name}:{setting} must be an absolute http(s) URL without a query.";
                }
            }
            if (endpoint.Timeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromMinutes(5)))
            {
                yield return $"Providers:{name}:Timeout must be between 00:00:00.001 and 00:05:00.";
            }
        }
    }
}

public sealed class ProviderEndpoint
{
    public Uri? BaseUrl { get; set; }

    /// <summary>Twilio only: the Content API (templates), <c>https://content.twilio.com</c>.</summary>
    public Uri? ContentBaseUrl { get; set; }
    public TimeSpan? Timeout { get; set; }
}
