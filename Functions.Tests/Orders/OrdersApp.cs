using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Functions.Orders;
using Functions.Templates;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Orders;

/// <summary>
/// Order notifications on the whole app (<see cref="SendingApp"/>: tenants "mt" on a fake Meta
/// server, "tw" on a fake Twilio server, "sb" on the sandbox) with an <c>orders</c> key per tenant
/// and helpers to approve the default templates and post events.
/// </summary>
public static class OrdersApp
{
    /// <summary>The default order templates, approved as if the provider had reviewed them (Twilio needs a content SID).</summary>
    public static async Task ApproveDefaultTemplatesAsync(this SendingApp app, string tenant, params OrderStatus[] statuses)
    {
        var store = app.Get<TemplateStore>();
        foreach (var status in statuses.Length > 0 ? statuses : OrderStatuses.All)
        {
            var definition = DefaultOrderTemplates.Definition(status);
            await store.CreateAsync(tenant, definition, default);
            var sid = "HX" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(definition.Name)))[..32];
            await store.UpdateAsync(tenant, definition.Name, definition.Language, 1, "reviewed",
                t => t with { Status = TemplateStatus.Approved, ProviderTemplateId = sid }, default);
        }
    }

    /// <summary>An event with what its status needs (the seed's example values), as JSON; <paramref name="extra"/> adds or replaces fields.</summary>
    public static Dictionary<string, object?> Event(string orderId, OrderStatus status, string phone, DateTimeOffset occurredAt, string? eventId = null)
    {
        var e = new Dictionary<string, object?>
        {
            ["eventId"] = eventId ?? $"{orderId}-{OrderStatuses.Name(status)}-{occurredAt.ToUnixTimeMilliseconds()}",
            ["orderId"] = orderId,
            ["status"] = OrderStatuses.Name(status),
            ["occurredAt"] = occurredAt,
            ["customerPhone"] = phone,
        };
        foreach (var (key, value) in DetailsFor(status)) e[key] = value;
        return e;
    }

    public static Dictionary<string, object?> DetailsFor(OrderStatus status) => status switch
    {
        OrderStatus.OrderSent => new()
        {
            ["items"] = new[] { new { name = "Iphone 11 256GB Black", quantity = 1, unitPrice = 6899.00m } },
            ["currency"] = "HKD",
            ["total"] = 6899.00m,
        },
        OrderStatus.Shipped => new() { ["carrier"] = "DHL", ["trackingNumber"] = "1234" },
        OrderStatus.OutstandingPayment => new() { ["amountDue"] = 200m, ["currency"] = "HKD" },
        OrderStatus.ReceiptRejected => new() { ["reason"] = "The receipt is unreadable" },
        OrderStatus.PaymentRejected => new() { ["reason"] = "The card was declined" },
        OrderStatus.ReturnRejected => new() { ["reason"] = "The return period has ended" },
        OrderStatus.Cancelled => new() { ["reason"] = "Cancelled at your request" },
        OrderStatus.Refunding or OrderStatus.Refunded => new() { ["refundAmount"] = 6899.00m, ["currency"] = "HKD" },
        _ => new(),
    };

    public static Task<HttpResponseMessage> PostEventAsync(this HttpClient client, object body) =>
        client.PostAsJsonAsync("/api/orders/events", body);

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(TestJson.Options);

    public static async Task<OrderView> GetOrderAsync(this HttpClient client, string orderId) =>
        (await client.GetFromJsonAsync<OrderView>($"/api/orders/{orderId}", TestJson.Options))!;
}
