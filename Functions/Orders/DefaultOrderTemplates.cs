using System.Text.Json;

namespace Functions.Orders;

/// <summary>The default template set every new tenant gets, one per status (names here; the texts follow the seed's examples).</summary>
public static partial class DefaultOrderTemplates
{
    /// <summary><c>order_confirmation</c> for Order Sent, else <c>order_</c> + the status in snake case (<c>order_outstanding_payment</c>).</summary>
    public static string Name(OrderStatus status) => status == OrderStatus.OrderSent
        ? "order_confirmation"
        : "order_" + JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());
}
