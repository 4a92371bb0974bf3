using System.Text;
using System.Text.Json;
using Functions.Templates;

namespace Functions.Orders;

/// <summary>
/// The default template set every new tenant gets: one English UTILITY template per status,
/// modelled on the first seed document's examples ("Order Confirmation (#…)" with items and total;
/// "Order Status Update (#…): Paid"; "Your order (#…) is on the way!" with carrier and tracking
/// number), each ending with the tracking link and a closing line (WhatsApp refuses a body that
/// ends with a variable). Variables are positional and each status's are fixed
/// (<see cref="Parameters"/>): a tenant's own template for a status takes the same ones, in the same order.
/// </summary>
public static class DefaultOrderTemplates
{
    public const string Language = "en";
    private const string Track = "Click here to track your order:\n";
    private const string Closing = "Reply to this message if you have any questions.";

    /// <summary><c>order_confirmation</c> for Order Sent, else <c>order_</c> + the status in snake case (<c>order_outstanding_payment</c>).</summary>
    public static string Name(OrderStatus status) => status == OrderStatus.OrderSent
        ? "order_confirmation"
        : "order_" + JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>What each status's template says about the event beyond the order id and link (its variables between those two).</summary>
    public static IReadOnlyList<string> DetailVariables(OrderStatus status) => status switch
    {
        OrderStatus.OrderSent => ["items", "total"],
        OrderStatus.Shipped => ["carrier", "trackingNumber"],
        OrderStatus.OutstandingPayment => ["amountDue"],
        OrderStatus.ReceiptRejected or OrderStatus.PaymentRejected or OrderStatus.ReturnRejected or OrderStatus.Cancelled => ["reason"],
        OrderStatus.Refunding or OrderStatus.Refunded => ["refundAmount"],
        _ => [],
    };

    public static TemplateDefinition Definition(OrderStatus status)
    {
        var title = OrderStatuses.Title(status);
        var body = status switch
        {
            OrderStatus.OrderSent => "Order Confirmation (#{{1}})\n\n{{2}}\n\nTotal: {{3}}\n\n" + Track + "{{4}}\n\nThank you for your order. " + Closing,
            OrderStatus.Shipped => "Your order (#{{1}}) is on the way! Here are the details:\n\nCarrier: {{2}}\nTracking No.: {{3}}\n\n" + Track + "{{4}}\n\n" + Closing,
            OrderStatus.OutstandingPayment => "Order Status Update (#{{1}}): " + title + "\n\nAmount due: {{2}}\n\n" + Track + "{{3}}\n\n" + Closing,
            OrderStatus.ReceiptRejected or OrderStatus.PaymentRejected or OrderStatus.ReturnRejected or OrderStatus.Cancelled =>
                "Order Status Update (#{{1}}): " + title + "\n\nReason: {{2}}\n\n" + Track + "{{3}}\n\n" + Closing,
            OrderStatus.Refunding or OrderStatus.Refunded => "Order Status Update (#{{1}}): " + title + "\n\nRefund amount: {{2}}\n\n" + Track + "{{3}}\n\n" + Closing,
            _ => "Order Status Update (#{{1}}): " + title + "\n\n" + Track + "{{2}}\n\n" + Closing,
        };
        var examples = new Dictionary<string, string> { ["1"] = "12345678" };
        var details = DetailVariables(status);
        for (var i = 0; i < details.Count; i++)
        {
            examples[(i + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)] = details[i] switch
            {
                "items" => "Iphone 11 256GB Black, Qty: 1, Price: HKD 6,899.00",
                "total" => "HKD 6,899.00",
                "carrier" => "DHL",
                "trackingNumber" => "1234",
                "amountDue" => "HKD 200.00",
                "refundAmount" => "HKD 6,899.00",
                _ => status == OrderStatus.Cancelled ? "Cancelled at your request" : "The receipt could not be read",
            };
        }
        examples[(details.Count + 2).ToString(System.Globalization.CultureInfo.InvariantCulture)] = "https://customer.example.com/api/orders/track?token=xxxxxx";
        return new TemplateDefinition(Name(status), Language, TemplateCategory.Utility, new TemplateComponents(body, examples));
    }

    /// <summary>
    /// The template's parameters for an event: the order id, the status's details (from the
    /// event, else the order), and the tracking link. Text parameters may not hold line breaks or
    /// tabs (WhatsApp refuses them), so the items go on one line.
    /// </summary>
    public static Dictionary<string, string> Parameters(OrderStatus status, Order order, OrderDetails details, Uri trackingLink)
    {
        var values = new List<string> { order.Id };
        var currency = details.Currency ?? order.Currency;
        foreach (var variable in DetailVariables(status))
        {
            values.Add(variable switch
            {
                "items" => ItemsLine(details.Items ?? order.Items, currency),
                "total" => Amount(currency, details.Total ?? order.Total),
                "carrier" => OneLine(details.Carrier ?? order.Carrier),
                "trackingNumber" => OneLine(details.TrackingNumber ?? order.TrackingNumber),
                "amountDue" => Amount(currency, details.AmountDue ?? order.AmountDue),
                "refundAmount" => Amount(currency, details.RefundAmount ?? order.RefundAmount),
                _ => OneLine(details.Reason ?? order.Reason),
            });
        }
        values.Add(trackingLink.AbsoluteUri);
        return values.Select((v, i) => (Key: (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), Value: v)).ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>Longest the items line gets (a template parameter holds at most 1,024 characters); the rest is counted.</summary>
    public const int MaxItemsLine = 900;

    /// <summary>"Iphone 11 256GB Black, Qty: 1, Price: HKD 6,899.00; Case, Qty: 2, Price: HKD 99.00".</summary>
    public static string ItemsLine(IReadOnlyList<OrderItem> items, string? currency)
    {
        var line = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            var item = $"{OneLine(items[i].Name)}, Qty: {items[i].Quantity}, Price: {Money.Format(currency, items[i].UnitPrice)}";
            var more = items.Count - i - 1;
            if (line.Length + item.Length + 2 > MaxItemsLine - (more > 0 ? 20 : 0))
            {
                line.Append(line.Length > 0 ? "; " : "").Append("and ").Append(items.Count - i).Append(" more");
                break;
            }
            line.Append(line.Length > 0 ? "; " : "").Append(item);
        }
        return line.Length == 0 ? "-" : line.ToString();
    }

    private static string Amount(string? currency, decimal? amount) => amount is { } a ? Money.Format(currency, a) : "-";

    /// <summary>Text for a parameter: line breaks and tabs become spaces, runs of spaces one space.</summary>
    public static string OneLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "-";
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            var ch = char.IsWhiteSpace(c) || char.IsControl(c) ? ' ' : c;
            if (ch == ' ' && builder.Length > 0 && builder[^1] == ' ') continue;
            builder.Append(ch);
        }
        return builder.ToString();
    }
}
