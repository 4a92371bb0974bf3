using System.Security.Claims;
using Functions.Channels;
using Functions.Conversations;
using Functions.Outbound;
using Functions.Tenants;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Functions.Orders;

/// <summary>
/// The orders API: <c>POST /api/orders/events</c> (order systems post status changes),
/// <c>GET /api/orders/{orderId}</c> (the order, its history and the messages sent for it),
/// <c>GET /api/orders</c> (by status and date, paged), <c>GET/PUT /api/orders/settings</c>, and
/// <c>POST /api/orders/templates</c> (the default template set again).
/// </summary>
public static class OrderEndpoints
{
    /// <summary>Order systems post events with an <c>orders</c> key; a tenant admin may too (to try things out).</summary>
    public static void OrdersOrAdmin(RouteHandlerBuilder endpoint) =>
        endpoint.RequireAuthorization(p => p.RequireRole("orders", "admin").RequireClaim(ApiKeyAuthentication.TenantClaim));

    /// <summary>Reading orders: the order system itself, admins and agents (the inbox shows an order next to its conversation).</summary>
    public static void AnyTenantRole(RouteHandlerBuilder endpoint) =>
        endpoint.RequireAuthorization(p => p.RequireRole("orders", "admin", "agent").RequireClaim(ApiKeyAuthentication.TenantClaim));

    public sealed record EventServices(ClaimsPrincipal User, HttpRequest Http, TenantDirectory Tenants, OrderNotifications Notifications, TimeProvider Time);

    public static async Task<IResult> PostEventAsync([AsParameters] EventServices s, CancellationToken cancellationToken)
    {
        if (await s.Tenants.FindAsync(s.User.TenantId(), cancellationToken) is not { } tenant) return TenantGone();
        if (!s.Http.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The order event is JSON.",
                detail: "Send the event with Content-Type: application/json.", extensions: new Dictionary<string, object?> { ["field"] = "Content-Type" });
        }
        // The size limit is enforced here too: hosts without a server body limit (tests, some proxies) still stop at it.
        if (s.Http.ContentLength > OrderEventValidation.MaxBodyBytes) return TooLarge();
        var errors = new Dictionary<string, string[]>();
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await s.Http.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > OrderEventValidation.MaxBodyBytes) return TooLarge();
            buffer.Write(chunk, 0, read);
        }
        if (OrderEventValidation.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), errors) is not { } request)
        {
            return TypedResults.ValidationProblem(errors, title: "The order event is not valid.");
        }
        var input = OrderEventValidation.Validate(request, tenant, s.Time.GetUtcNow(), OrderEventValidation.Hash(request), errors);
        if (input is null) return TypedResults.ValidationProblem(errors, title: "The order event is not valid.");

        var recorded = await s.Notifications.HandleAsync(tenant, input, cancellationToken);
        if (recorded.EventIdReused)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The event id was used for a different event.",
                detail: $"Event '{Shown(input.EventId)}' was recorded for order '{recorded.Event.OrderId}' with other contents; an event id stands for one event. Use a new id for a new event.",
                extensions: new Dictionary<string, object?> { ["code"] = "event_id_reused" });
        }
        if (recorded.CurrencyConflict)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The event's currency is not the order's.",
                detail: $"Order '{recorded.Order.Id}' is priced in {recorded.Order.Currency}; this event gives amounts in {input.Details.Currency}. Send amounts in the order's currency.",
                extensions: new Dictionary<string, object?> { ["code"] = "currency_mismatch", ["errors"] = new Dictionary<string, string[]> { ["currency"] = [$"The order's currency is {recorded.Order.Currency}."] } });
        }
        return new EventAnswer(OrderEventView.Of(recorded.Event, null), recorded.Replayed);
    }

    public sealed record ReadServices(ClaimsPrincipal User, OrderStore Orders, OutboundMessages Messages);

    public static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetOrderAsync(string orderId, [AsParameters] ReadServices s, CancellationToken cancellationToken)
    {
        var tenantId = s.User.TenantId();
        if (await s.Orders.GetAsync(tenantId, orderId, cancellationToken) is not { } order)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such order.", detail: "This tenant has no order with that id.");
        }
        var history = await s.Orders.HistoryAsync(tenantId, orderId, cancellationToken);
        var sent = new Dictionary<string, OrderMessageView>(StringComparer.Ordinal);
        foreach (var e in history)
        {
            foreach (var id in e.MessageIds)
            {
                var message = (await s.Messages.FindAsync(tenantId, id, cancellationToken))?.Message;
                sent[id] = new OrderMessageView(id, e.EventId, message?.Status, message?.Kind, message?.ConversationId, message?.Error?.Code);
            }
        }
        return TypedResults.Ok(OrderView.Of(order, history, sent));
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem>> ListOrdersAsync(
        ClaimsPrincipal user, OrderStore orders, CancellationToken cancellationToken,
        string? status = null, string? from = null, string? to = null, string? pageSize = null, string? continuationToken = null)
    {
        var errors = new Dictionary<string, string[]>();
        // Read as text, so "pageSize=ten" is a problem naming pageSize rather than a bare 400.
        int? size = null;
        if (!string.IsNullOrEmpty(pageSize))
        {
            if (int.TryParse(pageSize, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsedSize)) size = parsedSize;
            else errors["pageSize"] = ["Page size is 1 to 200."];
        }
        var fromAt = Time(from, "from", errors);
        var toAt = Time(to, "to", errors);
        OrderStatus? wanted = null;
        if (status is not null)
        {
            if (OrderStatuses.TryParse(status, out var parsed)) wanted = parsed;
            else errors["status"] = [$"The status is one of: {string.Join(", ", OrderStatuses.All.Select(OrderStatuses.Name))}."];
        }
        if (fromAt > toAt) errors["from"] = ["'from' is before 'to'."];
        if (size is < 1 or > 200) errors["pageSize"] = ["Page size is 1 to 200."];
        if (continuationToken?.Length > 2000) errors["continuationToken"] = ["The continuation token is not one this API gave."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The query is not valid.");
        // Nothing happened before the start of time (and the store cannot bound its keys below it).
        if (toAt?.UtcTicks == 0) return TypedResults.Ok(new OrderPage([], null));
        try
        {
            var (page, next) = await orders.ListAsync(user.TenantId(), wanted, fromAt, toAt, size ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new OrderPage([.. page.Select(o => OrderView.Of(o, null, null))], next));
        }
        catch (ArgumentException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = ["The continuation token is not one this API gave."] });
        }
    }

    public static async Task<Ok<OrderSettingsView>> GetSettingsAsync(ClaimsPrincipal user, OrderSettingsStore settings, CancellationToken cancellationToken) =>
        TypedResults.Ok(OrderSettingsView.Of(await settings.GetAsync(user.TenantId(), cancellationToken)));

    public static async Task<Results<Ok<OrderSettingsView>, ValidationProblem, ProblemHttpResult>> PutSettingsAsync(
        HttpRequest http, ClaimsPrincipal user, OrderSettingsStore settings, CancellationToken cancellationToken)
    {
        // Read by hand, so a value of the wrong type gets a problem naming its field rather than a bare 400.
        if (!http.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "The order settings are JSON.",
                detail: "Send the settings with Content-Type: application/json.", extensions: new Dictionary<string, object?> { ["field"] = "Content-Type" });
        }
        var errors = new Dictionary<string, string[]>();
        OrderSettingsRequest? request;
        try
        {
            request = await System.Text.Json.JsonSerializer.DeserializeAsync<OrderSettingsRequest>(http.Body, System.Text.Json.JsonSerializerOptions.Web, cancellationToken);
        }
        catch (System.Text.Json.JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            errors[field] = [field == "body" ? "The body is a JSON object: the order settings." : $"'{field}' has the wrong type or is not valid JSON."];
            return TypedResults.ValidationProblem(errors, title: "The order settings are not valid.");
        }
        if (request is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body is a JSON object: the order settings."] },
                title: "The order settings are not valid.");
        }
        var statuses = OrderSettings.Default.Statuses.ToDictionary();
        foreach (var (name, notification) in request.Statuses ?? new Dictionary<string, StatusNotificationRequest?>())
        {
            var field = $"statuses.{Shown(name)}";
            if (!OrderStatuses.TryParse(name, out var status))
            {
                errors[field] = [$"Not a status; the statuses are: {string.Join(", ", OrderStatuses.All.Select(OrderStatuses.Name))}."];
                continue;
            }
            if (notification?.Template is { } template && !Templates.TemplateRequestValidation.IsValidName(template))
            {
                errors[field + ".template"] = ["A template name is 1 to 512 lowercase letters, digits and underscores."];
                continue;
            }
            statuses[status] = new StatusNotification(notification?.Template ?? DefaultOrderTemplates.Name(status), notification?.Enabled ?? true);
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The order settings are not valid.");
        var stored = await settings.PutAsync(user.TenantId(),
            new OrderSettings(statuses, request.NotifyOutOfOrder ?? false, request.SessionMessageInCareWindow ?? false), cancellationToken);
        return TypedResults.Ok(OrderSettingsView.Of(stored));
    }

    public static async Task<Results<Microsoft.AspNetCore.Http.HttpResults.Accepted, ProblemHttpResult>> CreateDefaultTemplatesAsync(
        ClaimsPrincipal user, TenantDirectory tenants, OrderTemplateSetup setup, CancellationToken cancellationToken)
    {
        if (await tenants.FindAsync(user.TenantId(), cancellationToken) is not { } tenant) return TenantGone();
        await setup.QueueAsync(tenant.Id, cancellationToken);
        return TypedResults.Accepted("/api/templates");
    }

    private static DateTimeOffset? Time(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)) return at;
        errors[field] = [$"'{field}' is a time in ISO 8601 (2026-11-23T09:00:00Z)."];
        return null;
    }

    private static string Shown(string value) => value.Length > 60 ? value[..60] : value;

    private static ProblemHttpResult TooLarge() =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The order event is too large.",
            detail: $"An order event is at most {OrderEventValidation.MaxBodyBytes / 1024} KiB.", extensions: new Dictionary<string, object?> { ["field"] = "body" });

    private static ProblemHttpResult TenantGone() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such tenant.", detail: "The key's tenant no longer exists.");

    /// <summary>202 with the event as recorded; a repeat of the same event says so in a header (and is otherwise the same answer).</summary>
    private sealed class EventAnswer(OrderEventView view, bool replayed) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (replayed) httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Accepted($"/api/orders/{view.OrderId}", view).ExecuteAsync(httpContext);
        }
    }

    internal static RequestSizeLimitAttribute EventBodyLimit { get; } = new(OrderEventValidation.MaxBodyBytes);
}

public sealed record OrderMessageView(string Id, string EventId, DeliveryStatus? Status, MessageKind? Type, string? ConversationId, string? ErrorCode);

public sealed record OrderNotificationView(
    NotificationOutcome Outcome, string? Code, string? Reason, string? Template, bool AsSessionMessage, IReadOnlyList<OrderMessageView> Messages);

public sealed record OrderEventView(
    string EventId, string OrderId, OrderStatus Status, DateTimeOffset OccurredAt, DateTimeOffset ReceivedAt, bool OutOfOrder, OrderDetails Details,
    OrderNotificationView Notification)
{
    public static OrderEventView Of(OrderEvent e, IReadOnlyDictionary<string, OrderMessageView>? messages) =>
        new(e.EventId, e.OrderId, e.Status, e.OccurredAt, e.ReceivedAt, e.OutOfOrder, e.Details,
            new OrderNotificationView(e.Outcome, e.OutcomeCode, e.OutcomeReason, e.Template, e.AsSessionMessage,
                [.. e.MessageIds.Select(id => messages?.GetValueOrDefault(id) ?? new OrderMessageView(id, e.EventId, null, null, null, null))]));
}

public sealed record OrderView(
    string Id, OrderStatus Status, DateTimeOffset StatusAt, string CustomerPhone, string? CustomerName, string? Language,
    IReadOnlyList<OrderItem> Items, string? Currency, decimal? Total, string? Carrier, string? TrackingNumber,
    decimal? AmountDue, decimal? RefundAmount, string? Reason, DateTimeOffset CreatedOn, DateTimeOffset UpdatedOn)
{
    /// <summary>Every event in arrival order (only when one order is read).</summary>
    public IReadOnlyList<OrderEventView>? History { get; init; }

    /// <summary>The messages sent for the order, with their statuses now (only when one order is read).</summary>
    public IReadOnlyList<OrderMessageView>? Messages { get; init; }

    public static OrderView Of(Order o, IReadOnlyList<OrderEvent>? history, IReadOnlyDictionary<string, OrderMessageView>? messages) =>
        new(o.Id, o.Status, o.StatusAt, o.CustomerPhone, o.CustomerName, o.Language, o.Items, o.Currency, o.Total, o.Carrier, o.TrackingNumber,
            o.AmountDue, o.RefundAmount, o.Reason, o.CreatedOn, o.UpdatedOn)
        {
            History = history?.Select(e => OrderEventView.Of(e, messages)).ToList(),
            Messages = messages?.Values.ToList(),
        };
}

public sealed record OrderPage(IReadOnlyList<OrderView> Orders, string? ContinuationToken);

public sealed record StatusNotificationRequest(string? Template, bool? Enabled);

/// <summary>
/// <c>PUT /api/orders/settings</c>: the statuses given (by name: <c>paid</c>, <c>orderSent</c>) with
/// their template and whether they send; statuses left out, and the options left out, take their defaults.
/// </summary>
public sealed record OrderSettingsRequest(IReadOnlyDictionary<string, StatusNotificationRequest?>? Statuses, bool? NotifyOutOfOrder, bool? SessionMessageInCareWindow);

public sealed record OrderSettingsView(IReadOnlyDictionary<string, StatusNotification> Statuses, bool NotifyOutOfOrder, bool SessionMessageInCareWindow)
{
    public static OrderSettingsView Of(OrderSettings s) =>
        new(OrderStatuses.All.ToDictionary(OrderStatuses.Name, s.For), s.NotifyOutOfOrder, s.SessionMessageInCareWindow);
}
