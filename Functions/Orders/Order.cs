using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Functions.Storage;

namespace Functions.Orders;

/// <summary>
/// The statuses of an order, as the order system names them (the first seed document's list).
/// In JSON they are camelCase words: <c>orderSent</c>, <c>paid</c>, <c>outstandingPayment</c>…
/// </summary>
public enum OrderStatus
{
    /// <summary>The order was placed: the confirmation lists the items and the total.</summary>
    OrderSent,
    Paid,
    Processing,
    /// <summary>On its way, with the carrier and tracking number.</summary>
    Shipped,
    Completed,
    /// <summary>Waiting for payment, with the amount due.</summary>
    OutstandingPayment,
    ReceiptRejected,
    PaymentRejected,
    Refunding,
    Refunded,
    ReturnRequest,
    ReturnHandling,
    ReturnRejected,
    Returned,
    Cancelled,
}

public static class OrderStatuses
{
    public static readonly IReadOnlyList<OrderStatus> All = Enum.GetValues<OrderStatus>();

    /// <summary>The status as the API spells it: <c>orderSent</c>, <c>outstandingPayment</c>.</summary>
    public static string Name(OrderStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    /// <summary>Parses the API's spelling (camelCase, case-insensitive); numbers are not statuses.</summary>
    public static bool TryParse(string? value, out OrderStatus status)
    {
        status = default;
        return value is { Length: > 0 } && !char.IsAsciiDigit(value[0]) && !value.Contains(',', StringComparison.Ordinal)
            && Enum.TryParse(value, ignoreCase: true, out status) && Enum.IsDefined(status);
    }

    /// <summary>The status as the customer reads it: "Order Sent", "Outstanding Payment".</summary>
    public static string Title(OrderStatus status) => status switch
    {
        OrderStatus.OrderSent => "Order Sent",
        OrderStatus.OutstandingPayment => "Outstanding Payment",
        OrderStatus.ReceiptRejected => "Receipt Rejected",
        OrderStatus.PaymentRejected => "Payment Rejected",
        OrderStatus.ReturnRequest => "Return Request",
        OrderStatus.ReturnHandling => "Return Handling",
        OrderStatus.ReturnRejected => "Return Rejected",
        _ => status.ToString(),
    };
}

/// <summary>One line of an order: what, how many, at what price each (in the order's currency).</summary>
public sealed record OrderItem(string Name, int Quantity, decimal UnitPrice);

/// <summary>
/// An order as its latest status left it. Details (items, carrier, amounts) are the latest each
/// event gave: an event that does not name the items keeps the ones known. <see cref="StatusAt"/>
/// is when the current status happened at the order system (the event's occurred-at), which
/// decides whether a later-arriving event is older.
/// Rows: table <c>Orders</c>, PartitionKey = tenant, RowKey <c>o:&lt;order id&gt;</c>.
/// </summary>
public sealed partial record Order(
    string Id,
    OrderStatus Status,
    DateTimeOffset StatusAt,
    string CustomerPhone,
    string? CustomerName,
    string? Language,
    IReadOnlyList<OrderItem> Items,
    string? Currency,
    decimal? Total,
    DateTimeOffset CreatedOn,
    DateTimeOffset UpdatedOn)
{
    public const string Table = "Orders";
    public const int MaxIdLength = 64;

    public string? Carrier { get; init; }
    public string? TrackingNumber { get; init; }
    public decimal? AmountDue { get; init; }
    public decimal? RefundAmount { get; init; }

    /// <summary>Why the latest rejection or cancellation happened (the order system's words).</summary>
    public string? Reason { get; init; }

    /// <summary>Events recorded for the order (its history rows), so a new one's row key follows them.</summary>
    public int EventCount { get; init; }

    /// <summary>Order ids: letters, digits, <c>-</c>, <c>_</c>, <c>.</c>, starting with a letter or digit, up to 64 (they go into table keys and URLs as they are).</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string RowKey(string orderId) => "o:" + orderId;

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey(Id))
    {
        ["Status"] = Status.ToString(),
        ["StatusAt"] = StatusAt,
        ["CustomerPhone"] = CustomerPhone,
        ["CustomerName"] = CustomerName,
        ["Language"] = Language,
        ["Items"] = Items.Count == 0 ? null : JsonSerializer.Serialize(Items, JsonSerializerOptions.Web),
        ["Currency"] = Currency,
        ["Total"] = Money.Store(Total),
        ["Carrier"] = Carrier,
        ["TrackingNumber"] = TrackingNumber,
        ["AmountDue"] = Money.Store(AmountDue),
        ["RefundAmount"] = Money.Store(RefundAmount),
        ["Reason"] = Reason,
        ["EventCount"] = EventCount,
        ["CreatedOn"] = CreatedOn,
        ["UpdatedOn"] = UpdatedOn,
    };

    public static Order FromEntity(TableEntity e) => new(
        e.RowKey[2..],
        Enum.TryParse<OrderStatus>(e.GetString("Status"), out var status) ? status : OrderStatus.OrderSent,
        e.GetDateTimeOffset("StatusAt") ?? DateTimeOffset.MinValue,
        e.GetString("CustomerPhone") ?? "",
        e.GetString("CustomerName"),
        e.GetString("Language"),
        e.GetString("Items") is { } items ? JsonSerializer.Deserialize<List<OrderItem>>(items, JsonSerializerOptions.Web) ?? [] : [],
        e.GetString("Currency"),
        Money.Load(e.GetString("Total")),
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedOn") ?? DateTimeOffset.MinValue)
    {
        Carrier = e.GetString("Carrier"),
        TrackingNumber = e.GetString("TrackingNumber"),
        AmountDue = Money.Load(e.GetString("AmountDue")),
        RefundAmount = Money.Load(e.GetString("RefundAmount")),
        Reason = e.GetString("Reason"),
        EventCount = e.GetInt32("EventCount") ?? 0,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();
}

/// <summary>What one event said about the order, beyond its status (each field only where the status uses it).</summary>
public sealed record OrderDetails
{
    public IReadOnlyList<OrderItem>? Items { get; init; }
    public string? Currency { get; init; }
    public decimal? Total { get; init; }
    public string? Carrier { get; init; }
    public string? TrackingNumber { get; init; }
    public decimal? AmountDue { get; init; }
    public decimal? RefundAmount { get; init; }
    public string? Reason { get; init; }
}

/// <summary>What became of an event's notification.</summary>
public enum NotificationOutcome
{
    /// <summary>Recorded; the message is not accepted yet (a retry of the same event finishes it).</summary>
    Pending,
    /// <summary>Accepted by the outbound pipeline (its status is the message's).</summary>
    Sent,
    /// <summary>Nothing to send: the status is switched off, or the event is older than the order's status.</summary>
    Skipped,
    /// <summary>It could not be sent (template not approved, customer opted out…): the reason says why.</summary>
    NotSent,
}

/// <summary>
/// One event of an order's history: its status and details, when it happened and arrived,
/// whether it was older than the order's status then, and what became of its notification
/// (the messages sent for it, or why none was).
/// Rows: table <c>Orders</c>, PartitionKey = tenant, RowKey <c>h:&lt;order id&gt;:&lt;sequence&gt;</c> (in arrival order).
/// </summary>
public sealed record OrderEvent(
    string EventId,
    string OrderId,
    OrderStatus Status,
    DateTimeOffset OccurredAt,
    DateTimeOffset ReceivedAt,
    OrderDetails Details,
    bool OutOfOrder,
    NotificationOutcome Outcome)
{
    /// <summary>Why nothing was sent, or was skipped (in words for the order system's people).</summary>
    public string? OutcomeReason { get; init; }

    /// <summary>A stable code for <see cref="OutcomeReason"/>: <c>statusOff</c>, <c>outOfOrder</c>, <c>templateNotApproved</c>, <c>recipientOptedOut</c>…</summary>
    public string? OutcomeCode { get; init; }

    /// <summary>The messages sent for this event (our ids).</summary>
    public IReadOnlyList<string> MessageIds { get; init; } = [];

    /// <summary>The template the notification used, or null for a session (text) message.</summary>
    public string? Template { get; init; }

    /// <summary>Whether the notification went as a session (text) message inside the care window instead of the template.</summary>
    public bool AsSessionMessage { get; init; }

    /// <summary>The event's place in its order's history (1, 2, …).</summary>
    public int Sequence { get; init; }

    /// <summary>A hash of the event as it came, so the same event id with a different body is told apart.</summary>
    public string RequestHash { get; init; } = "";

    public static string RowKeyPrefix(string orderId) => $"h:{orderId}:";

    public static string RowKey(string orderId, int sequence) => $"{RowKeyPrefix(orderId)}{sequence:D6}";

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey(OrderId, Sequence))
    {
        ["EventId"] = EventId,
        ["Status"] = Status.ToString(),
        ["OccurredAt"] = OccurredAt,
        ["ReceivedAt"] = ReceivedAt,
        ["Details"] = JsonSerializer.Serialize(Details, JsonSerializerOptions.Web),
        ["OutOfOrder"] = OutOfOrder,
        ["Outcome"] = Outcome.ToString(),
        ["OutcomeReason"] = OutcomeReason,
        ["OutcomeCode"] = OutcomeCode,
        ["MessageIds"] = MessageIds.Count == 0 ? null : string.Join(',', MessageIds),
        ["Template"] = Template,
        ["AsSessionMessage"] = AsSessionMessage ? true : null,
        ["RequestHash"] = RequestHash,
    };

    public static OrderEvent FromEntity(TableEntity e)
    {
        var prefixEnd = e.RowKey.LastIndexOf(':');
        return new(
            e.GetString("EventId") ?? "",
            e.RowKey[2..prefixEnd],
            Enum.TryParse<OrderStatus>(e.GetString("Status"), out var status) ? status : OrderStatus.OrderSent,
            e.GetDateTimeOffset("OccurredAt") ?? DateTimeOffset.MinValue,
            e.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue,
            e.GetString("Details") is { } details ? JsonSerializer.Deserialize<OrderDetails>(details, JsonSerializerOptions.Web) ?? new() : new(),
            e.GetBoolean("OutOfOrder") ?? false,
            Enum.TryParse<NotificationOutcome>(e.GetString("Outcome"), out var outcome) ? outcome : NotificationOutcome.Pending)
        {
            OutcomeReason = e.GetString("OutcomeReason"),
            OutcomeCode = e.GetString("OutcomeCode"),
            MessageIds = e.GetString("MessageIds") is { Length: > 0 } ids ? ids.Split(',') : [],
            Template = e.GetString("Template"),
            AsSessionMessage = e.GetBoolean("AsSessionMessage") ?? false,
            Sequence = int.TryParse(e.RowKey[(prefixEnd + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : 0,
            RequestHash = e.GetString("RequestHash") ?? "",
        };
    }
}

/// <summary>Amounts: kept as invariant strings (Table Storage has no decimal), shown with the currency's digits.</summary>
public static class Money
{
    // ISO 4217 currencies without minor units that a shop is likely to use.
    private static readonly HashSet<string> NoDecimals = new(StringComparer.OrdinalIgnoreCase) { "JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "IDR", "UGX", "XAF", "XOF", "PYG" };

    public static string? Store(decimal? amount) => amount?.ToString(CultureInfo.InvariantCulture);

    public static decimal? Load(string? value) =>
        decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out var amount) ? amount : null;

    /// <summary>"HKD 6,899.00", as the seed's confirmation shows prices.</summary>
    public static string Format(string? currency, decimal amount)
    {
        var digits = currency is not null && NoDecimals.Contains(currency) ? 0 : 2;
        var number = amount.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return string.IsNullOrEmpty(currency) ? number : $"{currency} {number}";
    }
}

/// <summary>
/// Marks an event whose notification is not settled yet: inserted in the transaction that records
/// the event, deleted in the one that stores its outcome. A request that stops in between (and an
/// order system that never sends the event again) leaves it behind, and
/// <see cref="PendingNotificationsTimer"/> finishes the notification. Row
/// <c>p:&lt;received ticks&gt;:&lt;order id&gt;:&lt;sequence&gt;</c> in the tenant's partition of <c>Orders</c>, oldest first.
/// </summary>
public sealed record PendingNotification(string OrderId, int Sequence, DateTimeOffset ReceivedAt)
{
    public const string Prefix = "p:";

    public string RowKey => KeyBefore(ReceivedAt) + $":{OrderId}:{Sequence:D6}";

    /// <summary>The key below which every marker of an event received before <paramref name="at"/> sorts.</summary>
    public static string KeyBefore(DateTimeOffset at) => Prefix + at.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    public static PendingNotification Of(OrderEvent e) => new(e.OrderId, e.Sequence, e.ReceivedAt);

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey)
    {
        ["OrderId"] = OrderId,
        ["Sequence"] = Sequence,
        ["ReceivedAt"] = ReceivedAt,
    };

    public static PendingNotification FromEntity(TableEntity e) =>
        new(e.GetString("OrderId") ?? "", e.GetInt32("Sequence") ?? 0, e.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue);
}
