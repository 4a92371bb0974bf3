using System.Text.Json;
using Functions.Contacts;
using Functions.Outbound;
using Functions.Tenants;

namespace Functions.Orders;

/// <summary>
/// An order event as the order system posts it to <c>POST /api/orders/events</c>. Which details
/// a status needs: <c>orderSent</c> the items, currency and total; <c>shipped</c> the carrier and
/// tracking number; <c>outstandingPayment</c> the amount due and currency; <c>receiptRejected</c>,
/// <c>paymentRejected</c>, <c>returnRejected</c> and <c>cancelled</c> a reason; <c>refunding</c> and
/// <c>refunded</c> the refund amount and currency. Other details are kept when given.
/// </summary>
public sealed record OrderEventRequest(
    string? EventId,
    string? OrderId,
    string? Status,
    DateTimeOffset? OccurredAt,
    string? CustomerPhone,
    string? CustomerName,
    string? Language,
    IReadOnlyList<OrderItemRequest?>? Items,
    string? Currency,
    decimal? Total,
    string? Carrier,
    string? TrackingNumber,
    decimal? AmountDue,
    decimal? RefundAmount,
    string? Reason);

public sealed record OrderItemRequest(string? Name, int? Quantity, decimal? UnitPrice);

public static class OrderEventValidation
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxEventIdLength = 128;
    public const int MaxItems = 100;
    public const int MaxItemName = 200;
    public const int MaxQuantity = 100_000;
    public const int MaxText = 200;
    public const int MaxReason = 500;
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>Order ids that are other routes under <c>/api/orders/</c> (routes match in any case), so an order so named could not be read.</summary>
    public static readonly IReadOnlyList<string> ReservedOrderIds = ["settings", "track"];

    /// <summary>How far ahead of our clock an event's occurred-at may be (the order system's clock may run a little fast).</summary>
    public static readonly TimeSpan MaxClockAhead = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The earliest occurred-at taken: Table Storage cannot store times before 1601, and some calendars
    /// the tracking page may show times in (Um al-Qura for ar_SA) start in 1900.
    /// </summary>
    public static readonly DateTimeOffset EarliestOccurredAt = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Reads the body: null with <paramref name="errors"/> naming the field when it is not JSON
    /// or a value has the wrong type (<c>items[0].quantity</c>).
    /// </summary>
    public static OrderEventRequest? Read(ReadOnlySpan<byte> body, Dictionary<string, string[]> errors)
    {
        try
        {
            var request = JsonSerializer.Deserialize<OrderEventRequest>(body, JsonSerializerOptions.Web);
            if (request is null) errors["body"] = ["The body is a JSON object: the order event."];
            return request;
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
            errors[field] = [field == "body" ? "The body is not a JSON object." : $"'{field}' has the wrong type or is not valid JSON."];
            return null;
        }
    }

    /// <summary>The event as <see cref="OrderStore.RecordAsync"/> takes it, or null with every problem named in <paramref name="errors"/>.</summary>
    public static OrderEventInput? Validate(OrderEventRequest r, Tenant tenant, DateTimeOffset now, string requestHash, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(r.EventId) || r.EventId.Length > MaxEventIdLength || r.EventId.Any(c => c is < '!' or > '~'))
            errors["eventId"] = [$"The event id is 1 to {MaxEventIdLength} visible ASCII characters (no spaces), unique per event: a repeat with the same id is the same event."];
        if (!Order.IsValidId(r.OrderId))
            errors["orderId"] = ["The order id is 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit."];
        else if (ReservedOrderIds.Contains(r.OrderId, StringComparer.OrdinalIgnoreCase))
            errors["orderId"] = [$"The order ids {string.Join(" and ", ReservedOrderIds)} (in any case) are names of other orders routes, so GET /api/orders/{{orderId}} could not read them: give the order another id."];
        var statusKnown = OrderStatuses.TryParse(r.Status, out var status);
        if (!statusKnown)
            errors["status"] = [$"The status is one of: {string.Join(", ", OrderStatuses.All.Select(OrderStatuses.Name))}."];
        if (r.OccurredAt is not { } occurredAt)
            errors["occurredAt"] = ["When the status changed at the order system (ISO 8601 with offset): it orders events that arrive out of order."];
        else if (occurredAt > now + MaxClockAhead)
            errors["occurredAt"] = ["The time is in the future; send when the status changed."];
        else if (occurredAt < EarliestOccurredAt)
            errors["occurredAt"] = ["The time is before 2000-01-01T00:00:00Z; send when the status changed."];
        string? phone = null;
        if (string.IsNullOrWhiteSpace(r.CustomerPhone)) errors["customerPhone"] = ["The customer's phone number is required (E.164, or national with the tenant's default country code)."];
        else if (!PhoneNumbers.TryNormalize(r.CustomerPhone, tenant.DefaultCountryCode, out phone, out var phoneError)) errors["customerPhone"] = [phoneError];
        if (r.CustomerName is { } name && (name.Trim().Length is 0 or > MaxText)) errors["customerName"] = [$"The customer's name is 1 to {MaxText} characters."];
        if (r.Language is { } language && !TenantValidation.IsLanguageCode(language)) errors["language"] = ["The language is a WhatsApp language code such as en, en_US or zh_HK."];

        var items = Items(r.Items, errors);
        if (r.Currency is { } currency && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper))) errors["currency"] = ["The currency is an ISO 4217 code: three capital letters (HKD, EUR)."];
        Amount(r.Total, "total", errors);
        Amount(r.AmountDue, "amountDue", errors);
        Amount(r.RefundAmount, "refundAmount", errors);
        Text(r.Carrier, "carrier", MaxText, errors);
        Text(r.TrackingNumber, "trackingNumber", MaxText, errors);
        Text(r.Reason, "reason", MaxReason, errors);
        if (r.Currency is null && (r.Total ?? r.AmountDue ?? r.RefundAmount) is not null) errors.TryAdd("currency", ["An amount needs its currency (an ISO 4217 code such as HKD)."]);
        if (statusKnown) Required(status, r, items, errors);

        if (errors.Count > 0) return null;
        var details = new OrderDetails
        {
            Items = items,
            Currency = r.Currency,
            Total = r.Total,
            Carrier = r.Carrier?.Trim(),
            TrackingNumber = r.TrackingNumber?.Trim(),
            AmountDue = r.AmountDue,
            RefundAmount = r.RefundAmount,
            Reason = r.Reason?.Trim(),
        };
        return new OrderEventInput(r.EventId!, r.OrderId!, status, r.OccurredAt!.Value, phone!, r.CustomerName?.Trim(), r.Language, details, requestHash);
    }

    /// <summary>What each status's notification needs.</summary>
    private static void Required(OrderStatus status, OrderEventRequest r, IReadOnlyList<OrderItem>? items, Dictionary<string, string[]> errors)
    {
        void Need(bool present, string field, string why)
        {
            if (!present) errors.TryAdd(field, [why]);
        }
        var name = OrderStatuses.Name(status);
        switch (status)
        {
            case OrderStatus.OrderSent:
                Need(r.Items is { Count: > 0 }, "items", "The confirmation (orderSent) lists the items: name, quantity and unit price of each.");
                Need(r.Total is not null, "total", "The confirmation (orderSent) shows the order's total.");
                Need(r.Currency is not null, "currency", "The confirmation (orderSent) shows prices in the order's currency.");
                break;
            case OrderStatus.Shipped:
                Need(!string.IsNullOrWhiteSpace(r.Carrier), "carrier", "A shipped order names its carrier (DHL, UPS…).");
                Need(!string.IsNullOrWhiteSpace(r.TrackingNumber), "trackingNumber", "A shipped order has the carrier's tracking number.");
                break;
            case OrderStatus.OutstandingPayment:
                Need(r.AmountDue is not null, "amountDue", "An outstanding payment says how much is due.");
                break;
            case OrderStatus.ReceiptRejected or OrderStatus.PaymentRejected or OrderStatus.ReturnRejected or OrderStatus.Cancelled:
                Need(!string.IsNullOrWhiteSpace(r.Reason), "reason", $"A {name} event says why (the customer reads it).");
                break;
            case OrderStatus.Refunding or OrderStatus.Refunded:
                Need(r.RefundAmount is not null, "refundAmount", $"A {name} event says how much is refunded.");
                break;
        }
    }

    private static List<OrderItem>? Items(IReadOnlyList<OrderItemRequest?>? items, Dictionary<string, string[]> errors)
    {
        if (items is null) return null;
        if (items.Count is 0 or > MaxItems)
        {
            errors["items"] = [$"1 to {MaxItems} items (or leave items out)."];
            return null;
        }
        var list = new List<OrderItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item?.Name is not { } itemName || itemName.Trim().Length is 0 or > MaxItemName) errors[$"items[{i}].name"] = [$"An item's name is 1 to {MaxItemName} characters."];
            if (item?.Quantity is not (>= 1 and <= MaxQuantity)) errors[$"items[{i}].quantity"] = [$"An item's quantity is a whole number from 1 to {MaxQuantity:N0}."];
            if (item?.UnitPrice is not { } price || price < 0 || price > MaxAmount) errors[$"items[{i}].unitPrice"] = ["An item's unit price is a number, 0 or more, in the order's currency."];
            if (item is { Name: { } n, Quantity: { } q, UnitPrice: { } p }) list.Add(new OrderItem(n.Trim(), q, p));
        }
        return list;
    }

    private static void Amount(decimal? amount, string field, Dictionary<string, string[]> errors)
    {
        if (amount is { } a && (a < 0 || a > MaxAmount)) errors[field] = [$"'{field}' is a number, 0 or more."];
    }

    private static void Text(string? value, string field, int max, Dictionary<string, string[]> errors)
    {
        if (value is not null && (value.Trim().Length == 0 || value.Trim().Length > max)) errors[field] = [$"'{field}' is 1 to {max} characters (or leave it out)."];
    }

    /// <summary>A hash of the event as posted (any JSON spelling of the same values gives the same hash).</summary>
    public static string Hash(OrderEventRequest request) => OutboundMessages.Hash(JsonSerializer.Serialize(request, JsonSerializerOptions.Web));
}
