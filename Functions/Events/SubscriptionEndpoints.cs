using System.Security.Claims;
using Functions.Hosting;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Functions.Events;

/// <summary>A tenant admin's webhook subscriptions for outgoing events, and each one's delivery log.</summary>
public static class SubscriptionEndpoints
{
    public static FunctionCatalog AddSubscriptionFunctions(this FunctionCatalog catalog) => catalog
        .AddHttp("CreateEventSubscription", "POST", "events/subscriptions", CreateSubscriptionAsync, TenantAccess.Admin)
        .AddHttp("ListEventSubscriptions", "GET", "events/subscriptions", ListSubscriptionsAsync, TenantAccess.Admin)
        .AddHttp("GetEventSubscription", "GET", "events/subscriptions/{subscriptionId}", GetSubscriptionAsync, TenantAccess.Admin)
        .AddHttp("UpdateEventSubscription", "PATCH", "events/subscriptions/{subscriptionId}", UpdateSubscriptionAsync, TenantAccess.Admin)
        .AddHttp("DeleteEventSubscription", "DELETE", "events/subscriptions/{subscriptionId}", DeleteSubscriptionAsync, TenantAccess.Admin)
        .AddHttp("RotateEventSubscriptionSecret", "POST", "events/subscriptions/{subscriptionId}/rotate-secret", RotateSecretAsync, TenantAccess.Admin)
        .AddHttp("ListEventDeliveries", "GET", "events/subscriptions/{subscriptionId}/deliveries", ListDeliveriesAsync, TenantAccess.Admin)
        .AddHttp("RedeliverEvent", "POST", "events/subscriptions/{subscriptionId}/deliveries/{eventId}/redeliver", RedeliverAsync, TenantAccess.Admin);

    public static async Task<Results<Created<SubscriptionWithSecret>, ValidationProblem, ProblemHttpResult>> CreateSubscriptionAsync(
        SubscriptionRequest request, ClaimsPrincipal user, EventSubscriptions subscriptions, IOptions<EventsOptions> options, CancellationToken cancellationToken)
    {
        var errors = request.Validate(options.Value, creating: true);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The subscription is not valid.");
        }
        var created = await subscriptions.CreateAsync(user.TenantId(), request.Url!, request.ParsedTypes() ?? [], request.Enabled ?? true,
            NullIfBlank(request.Description), cancellationToken);
        if (created is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many subscriptions.",
                detail: $"A tenant has at most {EventSubscription.MaxPerTenant} subscriptions; delete one first.");
        }
        return TypedResults.Created($"/api/events/subscriptions/{created.Id}", new SubscriptionWithSecret(created.ToView(), created.Secret));
    }

    public static async Task<Ok<IReadOnlyList<SubscriptionView>>> ListSubscriptionsAsync(ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<SubscriptionView>>([.. (await subscriptions.ListAsync(user.TenantId(), cancellationToken)).Select(s => s.ToView())]);

    public static async Task<Results<Ok<SubscriptionView>, ProblemHttpResult>> GetSubscriptionAsync(
        string subscriptionId, ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.FindAsync(user.TenantId(), subscriptionId, cancellationToken) is { } found ? TypedResults.Ok(found.ToView()) : NotFound();

    /// <summary>Changes the fields given: <c>url</c>, <c>types</c>, <c>enabled</c>, <c>description</c> (<c>""</c> clears it).</summary>
    public static async Task<Results<Ok<SubscriptionView>, ValidationProblem, ProblemHttpResult>> UpdateSubscriptionAsync(
        string subscriptionId, SubscriptionRequest request, ClaimsPrincipal user, EventSubscriptions subscriptions, IOptions<EventsOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = request.Validate(options.Value, creating: false);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The subscription is not valid.");
        }
        var updated = await subscriptions.UpdateAsync(user.TenantId(), subscriptionId, s => s with
        {
            Url = request.Url ?? s.Url,
            Types = request.ParsedTypes() ?? s.Types,
            Enabled = request.Enabled ?? s.Enabled,
            Description = request.Description is null ? s.Description : NullIfBlank(request.Description),
        }, cancellationToken);
        return updated is null ? NotFound() : TypedResults.Ok(updated.ToView());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteSubscriptionAsync(
        string subscriptionId, ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.DeleteAsync(user.TenantId(), subscriptionId, cancellationToken) ? TypedResults.NoContent() : NotFound();

    /// <summary>A new secret, shown this once; the previous one keeps signing (as a second <c>v1</c>) for a day.</summary>
    public static async Task<Results<Ok<SubscriptionWithSecret>, ProblemHttpResult>> RotateSecretAsync(
        string subscriptionId, ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.RotateSecretAsync(user.TenantId(), subscriptionId, cancellationToken) is { } rotated
            ? TypedResults.Ok(new SubscriptionWithSecret(rotated.ToView(), rotated.Secret))
            : NotFound();

    public static async Task<Results<Ok<DeliveryPage>, ValidationProblem, ProblemHttpResult>> ListDeliveriesAsync(
        string subscriptionId, ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken,
        int? pageSize = null, string? continuationToken = null)
    {
        if (pageSize is < 1 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["Page size is 1 to 100."] });
        }
        if (await subscriptions.FindAsync(user.TenantId(), subscriptionId, cancellationToken) is null)
        {
            return NotFound();
        }
        try
        {
            var (deliveries, next) = await subscriptions.ListDeliveriesAsync(user.TenantId(), subscriptionId, pageSize ?? 20, continuationToken, cancellationToken);
            return TypedResults.Ok(new DeliveryPage([.. deliveries.Select(d => d.ToView())], next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    /// <summary>Sends a delivered or failed event again (202 with the delivery, now pending): after a receiver's outage, say.</summary>
    public static async Task<Results<Accepted<DeliveryView>, ProblemHttpResult>> RedeliverAsync(
        string subscriptionId, string eventId, ClaimsPrincipal user, EventSubscriptions subscriptions, CancellationToken cancellationToken)
    {
        var (outcome, delivery) = await subscriptions.RedeliverAsync(user.TenantId(), subscriptionId, eventId, cancellationToken);
        return outcome switch
        {
            RedeliveryOutcome.Queued => TypedResults.Accepted($"/api/events/subscriptions/{subscriptionId}/deliveries", delivery!.ToView()),
            RedeliveryOutcome.Pending => Conflict("The event is still being delivered; its next attempt is in the log."),
            RedeliveryOutcome.Disabled => Conflict("The subscription is disabled; enable it first."),
            RedeliveryOutcome.TooManyAttempts => Conflict($"The event has been tried {EventSubscriptions.MaxAttemptsLogged} times; it is not sent again."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such delivery.",
                detail: "This subscription has no delivery of that event (or it is past the retention period)."),
        };
    }

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The event cannot be redelivered now.", detail: detail);

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // Another tenant's subscription is "not found" too: nothing tells one tenant about another.
    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such subscription.", detail: "This tenant has no event subscription with that id.");
}

/// <summary>
/// A subscription as written: <c>url</c>, <c>types</c> (event types, or <c>["*"]</c> / left out for all),
/// <c>enabled</c> (default true), <c>description</c>.
/// </summary>
public sealed record SubscriptionRequest(string? Url, IReadOnlyList<string?>? Types, bool? Enabled, string? Description)
{
    public const int MaxDescriptionLength = 200;

    /// <summary>The types asked for: empty for all, null when not given.</summary>
    public IReadOnlyList<string>? ParsedTypes() =>
        Types is null ? null : Types.Contains("*") ? [] : [.. Types.OfType<string>().Distinct(StringComparer.Ordinal)];

    public Dictionary<string, string[]> Validate(EventsOptions options, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if ((creating || Url is not null) && EventSender.UrlProblem(Url, options) is { } problem)
        {
            errors["url"] = [problem];
        }
        if (Types is not null)
        {
            if (Types.Count == 0)
            {
                errors["types"] = ["Name at least one event type, or \"*\" for all."];
            }
            else if (Types.Where(t => t != "*" && !EventTypes.IsKnown(t)).ToList() is { Count: > 0 } unknown)
            {
                errors["types"] = [$"Unknown event type '{Shorten(unknown[0])}'; the types are {string.Join(", ", EventTypes.All)}, or \"*\" for all."];
            }
        }
        if (Description is { Length: > MaxDescriptionLength })
        {
            errors["description"] = [$"The description is at most {MaxDescriptionLength} characters."];
        }
        return errors;
    }

    private static string Shorten(string? value) => value is null ? "null" : value.Length > 40 ? value[..40] + "…" : value;

    public override string ToString() => "SubscriptionRequest";
}
