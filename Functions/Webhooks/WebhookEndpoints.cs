using System.Security.Claims;
using Functions.Channels;
using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Functions.Webhooks;

/// <summary>
/// Where Twilio and Meta post to, one URL per tenant: <c>/api/webhooks/twilio/{tenant}</c> and
/// <c>/api/webhooks/meta/{tenant}</c>. A webhook is accepted only with a valid signature from the
/// tenant's credentials; an unknown tenant or one on another provider is 404, a bad signature
/// 403, and nothing is stored for either.
/// </summary>
public static class WebhookEndpoints
{
    public static FunctionCatalog AddWebhookFunctions(this FunctionCatalog catalog)
    {
        return catalog
            .AddHttp("TwilioWebhook", "POST", "webhooks/twilio/{tenant}", ReceiveTwilioAsync)
            .AddHttp("MetaWebhookVerification", "GET", "webhooks/meta/{tenant}", VerifyMetaSubscriptionAsync)
            .AddHttp("MetaWebhook", "POST", "webhooks/meta/{tenant}", ReceiveMetaAsync)
            .AddHttp("ListWebhookEvents", "GET", "webhooks/events", ListEventsAsync, TenantAccess.Admin)
            .AddHttp("ReplayWebhookEvent", "POST", "webhooks/events/{eventId}/replay", ReplayEventAsync, TenantAccess.Admin);
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReceiveTwilioAsync(
        string tenant, HttpRequest request, TenantDirectory tenants, WebhookInbox inbox, CancellationToken cancellationToken)
    {
        if (await tenants.FindAsync(tenant, cancellationToken) is not { Provider.Type: ProviderSettings.TwilioType } found)
        {
            return UnknownTenant();
        }
        var webhook = await ReadAsync(request, found, cancellationToken);
        if (!TwilioSignature.IsValid(ProviderAccounts.Twilio(found.Provider).WebhookAuthToken, webhook))
        {
            return BadSignature(TwilioSignature.HeaderName);
        }
        await inbox.AcceptAsync(found.Id, TwilioWebhookParser.ProviderName, webhook.PublicUrl, request.ContentType, webhook.Body, cancellationToken);
        // An empty TwiML answer: acknowledged, and Twilio sends no automatic reply.
        return TypedResults.Content("<Response/>", "text/xml");
    }

    public static async Task<Results<ContentHttpResult, ProblemHttpResult>> VerifyMetaSubscriptionAsync(
        string tenant, HttpRequest request, TenantDirectory tenants, CancellationToken cancellationToken)
    {
        if (await tenants.FindAsync(tenant, cancellationToken) is not { Provider.Type: ProviderSettings.MetaType } found)
        {
            return UnknownTenant();
        }
        var result = MetaWebhookVerification.VerifySubscription(
            request.Query["hub.mode"], request.Query["hub.verify_token"], request.Query["hub.challenge"], ProviderAccounts.Meta(found.Provider));
        return result.IsAccepted
            ? TypedResults.Content(result.Challenge, "text/plain")
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Subscription refused.", detail: result.Refusal);
    }

    public static async Task<Results<Ok, ProblemHttpResult>> ReceiveMetaAsync(
        string tenant, HttpRequest request, TenantDirectory tenants, WebhookInbox inbox, CancellationToken cancellationToken)
    {
        if (await tenants.FindAsync(tenant, cancellationToken) is not { Provider.Type: ProviderSettings.MetaType } found)
        {
            return UnknownTenant();
        }
        var webhook = await ReadAsync(request, found, cancellationToken);
        if (!MetaWebhookVerification.IsValidSignature(ProviderAccounts.Meta(found.Provider).AppSecret, webhook))
        {
            return BadSignature("X-Hub-Signature-256");
        }
        await inbox.AcceptAsync(found.Id, MetaWebhookParser.ProviderName, webhook.PublicUrl, request.ContentType, webhook.Body, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<Results<Ok<WebhookEventPage>, ValidationProblem>> ListEventsAsync(
        ClaimsPrincipal user, WebhookInbox inbox, CancellationToken cancellationToken, int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        try
        {
            var (events, next) = await inbox.ListAsync(user.TenantId(), pageSize ?? 20, continuationToken, cancellationToken);
            return TypedResults.Ok(new WebhookEventPage(events.Select(WebhookEventView.Of).ToList(), next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    /// <summary>Processes a stored event again: safe, because processing is idempotent.</summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> ReplayEventAsync(
        string eventId, ClaimsPrincipal user, WebhookInbox inbox, CancellationToken cancellationToken)
    {
        if (await inbox.FindAsync(user.TenantId(), eventId, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such event.", detail: "This tenant has no stored webhook event with that id (it may have expired).");
        }
        await inbox.EnqueueAsync(user.TenantId(), eventId, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>
    /// The webhook as the provider sent it. The URL it signed is the tenant's public base URL plus
    /// this path and query (behind a proxy, the address this server sees is not the one called);
    /// without a configured base, the request's own URL.
    /// </summary>
    private static async Task<WebhookRequest> ReadAsync(HttpRequest request, Tenant tenant, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var baseUrl = tenant.PublicBaseUrl?.TrimEnd('/') ?? $"{request.Scheme}://{request.Host}";
        var url = new Uri(baseUrl + request.PathBase + request.Path + request.QueryString);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new WebhookRequest(url, request.Method, headers, buffer.ToArray());
    }

    private static ProblemHttpResult UnknownTenant() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such webhook.", detail: "No tenant on this provider has this webhook URL.");

    private static ProblemHttpResult BadSignature(string header) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Signature refused.", detail: $"The {header} header does not match this request and the tenant's credentials.");
}

public sealed record WebhookEventView(string Id, string Provider, DateTimeOffset ReceivedOn, WebhookEventStatus Status, int EventCount, string? Error, DateTimeOffset? ProcessedOn, int BodyBytes)
{
    public static WebhookEventView Of(WebhookEvent e) => new(e.Id, e.Provider, e.ReceivedOn, e.Status, e.EventCount, e.Error, e.ProcessedOn, e.Body.Length);
}

public sealed record WebhookEventPage(IReadOnlyList<WebhookEventView> Items, string? ContinuationToken);
