using System.Net;
using System.Text.Json;
using Functions.Channels;
using Functions.Conversations;
using Functions.Orders;
using Functions.Templates;
using Functions.Tests.Outbound;

namespace Functions.Tests.Orders;

/// <summary>
/// Every order status end to end on the whole app in real time: the order system posts the
/// event, the queue function sends the default template over real HTTP to the fake Meta and
/// Twilio servers on 127.0.0.1, and the text the customer reads (the approved template filled
/// with exactly what the provider received) is checked word for word, tracking link included.
/// Each case has its own order and customer, so they share one app.
/// </summary>
public sealed class OrderNotificationsEndToEndTests(OrderNotificationsEndToEndTests.LiveApp live) : IClassFixture<OrderNotificationsEndToEndTests.LiveApp>
{
    public sealed class LiveApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public HttpClient MetaOrders { get; private set; } = null!;
        public HttpClient TwilioOrders { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync();
            await App.ApproveDefaultTemplatesAsync("mt");
            await App.ApproveDefaultTemplatesAsync("tw");
            MetaOrders = await App.ClientAsync("mt", "orders");
            TwilioOrders = await App.ClientAsync("tw", "orders");
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = live.App;

    /// <summary>What the customer reads for each status of order "{id}" (the seed's examples), with the tracking link at "{link}".</summary>
    private static readonly Dictionary<OrderStatus, string> Expected = new()
    {
        [OrderStatus.OrderSent] = "Order Confirmation (#{id})\n\nIphone 11 256GB Black, Qty: 1, Price: HKD 6,899.00\n\nTotal: HKD 6,899.00\n\nClick here to track your order:\n{link}\n\nThank you for your order. Reply to this message if you have any questions.",
        [OrderStatus.Paid] = "Order Status Update (#{id}): Paid\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Processing] = "Order Status Update (#{id}): Processing\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Shipped] = "Your order (#{id}) is on the way! Here are the details:\n\nCarrier: DHL\nTracking No.: 1234\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Completed] = "Order Status Update (#{id}): Completed\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.OutstandingPayment] = "Order Status Update (#{id}): Outstanding Payment\n\nAmount due: HKD 200.00\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.ReceiptRejected] = "Order Status Update (#{id}): Receipt Rejected\n\nReason: The receipt is unreadable\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.PaymentRejected] = "Order Status Update (#{id}): Payment Rejected\n\nReason: The card was declined\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Refunding] = "Order Status Update (#{id}): Refunding\n\nRefund amount: HKD 6,899.00\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Refunded] = "Order Status Update (#{id}): Refunded\n\nRefund amount: HKD 6,899.00\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.ReturnRequest] = "Order Status Update (#{id}): Return Request\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.ReturnHandling] = "Order Status Update (#{id}): Return Handling\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.ReturnRejected] = "Order Status Update (#{id}): Return Rejected\n\nReason: The return period has ended\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Returned] = "Order Status Update (#{id}): Returned\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
        [OrderStatus.Cancelled] = "Order Status Update (#{id}): Cancelled\n\nReason: Cancelled at your request\n\nClick here to track your order:\n{link}\n\nReply to this message if you have any questions.",
    };

    public static TheoryData<OrderStatus> Statuses() => [.. OrderStatuses.All];

    private static string Phone(string provider, OrderStatus status) => $"+4670{(provider == "meta" ? 2 : 3)}22{(int)status:D4}";

    [Fact]
    public void EveryStatusHasItsExpectedText() => Assert.Equal(OrderStatuses.All.Order(), Expected.Keys.Order());

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task TheStatusReachesMetaAsItsTemplateWithTheRenderedTextAndTrackingLink(OrderStatus status)
    {
        var (orderId, phone) = ($"M-{(int)status}", Phone("meta", status));

        var message = await PostAndWaitUntilSentAsync(live.MetaOrders, _app.MetaAdmin, orderId, status, phone);

        var request = Assert.Single(_app.Meta.Requests, r => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && JsonTo(r.Body) == phone);
        using var body = JsonDocument.Parse(request.Body);
        var template = body.RootElement.GetProperty("template");
        Assert.Equal((DefaultOrderTemplates.Name(status), "en"), (template.GetProperty("name").GetString(), template.GetProperty("language").GetProperty("code").GetString()));
        var values = template.GetProperty("components")[0].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("text").GetString()!).ToList();
        var parameters = values.Select((v, i) => (Key: (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), v)).ToDictionary(p => p.Key, p => p.v);
        AssertRendered(status, orderId, parameters, message);
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task TheStatusReachesTwilioAsItsContentWithTheRenderedTextAndTrackingLink(OrderStatus status)
    {
        var (orderId, phone) = ($"T-{(int)status}", Phone("twilio", status));

        var message = await PostAndWaitUntilSentAsync(live.TwilioOrders, _app.TwilioAdmin, orderId, status, phone);

        var request = Assert.Single(_app.Twilio.Requests, r => r.Values("To").Contains("whatsapp:" + phone));
        Assert.Equal(SendingApp.TwilioSid, request.Path.Split('/')[3]);
        Assert.StartsWith("HX", request.Single("ContentSid"), StringComparison.Ordinal);
        var parameters = JsonSerializer.Deserialize<Dictionary<string, string>>(request.Single("ContentVariables"))!;
        AssertRendered(status, orderId, parameters, message);
    }

    private async Task<MessageView> PostAndWaitUntilSentAsync(HttpClient orders, HttpClient admin, string orderId, OrderStatus status, string phone)
    {
        var response = await orders.PostEventAsync(OrdersApp.Event(orderId, status, phone, DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await OrdersApp.ReadJsonAsync(response);
        Assert.Equal("sent", answer.GetProperty("notification").GetProperty("outcome").GetString());
        var messageId = answer.GetProperty("notification").GetProperty("messages")[0].GetProperty("id").GetString()!;
        var message = await SendingApp.WaitForAsync(admin, messageId, m => m.ProviderMessageId is not null, "the provider accepted the notification");
        Assert.Equal((MessageKind.Template, "utility"), (message.Type, message.Purpose));

        // The order shows the message it sent, and agents see it in the customer's conversation.
        var order = await admin.GetOrderAsync(orderId);
        Assert.Equal((status, phone), (order.Status, order.CustomerPhone));
        Assert.Equal(messageId, Assert.Single(order.Messages!).Id);
        Assert.Equal(message.ConversationId, Assert.Single(order.Messages!).ConversationId);
        return message;
    }

    private static void AssertRendered(OrderStatus status, string orderId, IReadOnlyDictionary<string, string> parameters, MessageView message)
    {
        var link = parameters.Values.Last();
        Assert.StartsWith($"{SendingApp.PublicBase}/api/orders/track?token=", link, StringComparison.Ordinal);
        var text = TemplateRenderer.Render(DefaultOrderTemplates.Definition(status).Components, parameters).Body;
        var expected = Expected[status].Replace("{id}", orderId, StringComparison.Ordinal).Replace("{link}", link, StringComparison.Ordinal);
        Assert.Equal(expected, text);
        Assert.Equal(expected, message.Text); // what the conversation shows agents
    }

    private static string? JsonTo(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("to", out var to) ? to.GetString() : null;
    }
}
