using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Functions.Channels;
using Functions.Contacts;
using Functions.Orders;
using Functions.Tests.Outbound;

namespace Functions.Tests.Orders;

/// <summary>
/// The rules of <c>POST /api/orders/events</c> on the whole app in driven mode (manual clock, the
/// send queue run by the test) with tenant "mt" on the fake Meta server: an event id is one event,
/// an older event joins the history without sending, switched-off statuses and opted-out customers
/// are recorded with why nothing was sent, and inside an open care window the tenant may send text.
/// Each test has its own orders and customers; tests that change the tenant's settings put them back.
/// </summary>
public sealed class OrderEventRulesTests(OrderEventRulesTests.DrivenApp driven) : IClassFixture<OrderEventRulesTests.DrivenApp>
{
    public sealed class DrivenApp : IAsyncLifetime
    {
        public SendingApp App { get; private set; } = null!;
        public HttpClient Orders { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await SendingApp.StartAsync(driven: true);
            await App.ApproveDefaultTemplatesAsync("mt");
            Orders = await App.ClientAsync("mt", "orders");
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private readonly SendingApp _app = driven.App;
    private readonly HttpClient _orders = driven.Orders;
    private DateTimeOffset Now => _app.Clock!.GetUtcNow();

    // The provider request's "to" may be JSON-escaped ("\u002B4670…"): match the digits.
    private int SentTo(string phone) =>
        _app.Meta.Requests.Count(r => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && r.Body.Contains(phone[1..], StringComparison.Ordinal));

    private static JsonElement Notification(JsonElement answer) => answer.GetProperty("notification");

    private async Task<JsonElement> PostAcceptedAsync(object body)
    {
        var response = await _orders.PostEventAsync(body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await OrdersApp.ReadJsonAsync(response);
    }

    private async Task PutSettingsAsync(object settings) =>
        (await _app.MetaAdmin.PutAsJsonAsync("/api/orders/settings", settings)).EnsureSuccessStatusCode();

    private Task ResetSettingsAsync() => PutSettingsAsync(new { });

    [Fact]
    public async Task TheSameEventTwiceIsOneMessage()
    {
        const string phone = "+46705510001";
        var e = OrdersApp.Event("DUP-1", OrderStatus.Paid, phone, Now.AddMinutes(-5), "dup-event-1");

        var first = await PostAcceptedAsync(e);
        var again = await _orders.PostEventAsync(e);
        await _app.RunSendsAsync();

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal("true", Assert.Single(again.Headers.GetValues("Idempotent-Replayed")));
        var second = await OrdersApp.ReadJsonAsync(again);
        Assert.Equal(Notification(first).GetProperty("messages")[0].GetProperty("id").GetString(), Notification(second).GetProperty("messages")[0].GetProperty("id").GetString());
        Assert.Equal(1, SentTo(phone));
        var order = await _app.MetaAdmin.GetOrderAsync("DUP-1");
        Assert.Single(order.History!);
        Assert.Single(order.Messages!);
    }

    [Fact]
    public async Task TheSameEventIdWithAnotherBodyIs422AndChangesNothing()
    {
        const string phone = "+46705510002";
        await PostAcceptedAsync(OrdersApp.Event("DUP-2", OrderStatus.Paid, phone, Now.AddMinutes(-5), "dup-event-2"));
        var other = OrdersApp.Event("DUP-2", OrderStatus.Shipped, phone, Now.AddMinutes(-4), "dup-event-2");

        var response = await _orders.PostEventAsync(other);
        await _app.RunSendsAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("event_id_reused", (await SendingApp.ReadProblemAsync(response)).GetProperty("code").GetString());
        var order = await _app.MetaAdmin.GetOrderAsync("DUP-2");
        Assert.Equal(OrderStatus.Paid, order.Status);
        Assert.Single(order.History!);
        Assert.Equal(1, SentTo(phone));
    }

    [Fact]
    public async Task AnEventInAnotherCurrencyThanTheOrdersIs422AndChangesNothing()
    {
        const string phone = "+46705510009";
        await PostAcceptedAsync(OrdersApp.Event("CUR-1", OrderStatus.OrderSent, phone, Now.AddMinutes(-10)));
        var due = OrdersApp.Event("CUR-1", OrderStatus.OutstandingPayment, phone, Now.AddMinutes(-5));
        due["currency"] = "EUR";

        var response = await _orders.PostEventAsync(due);
        await _app.RunSendsAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await SendingApp.ReadProblemAsync(response);
        Assert.Equal("currency_mismatch", problem.GetProperty("code").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("currency", out _));
        var order = await _app.MetaAdmin.GetOrderAsync("CUR-1");
        Assert.Equal((OrderStatus.OrderSent, "HKD", 6899.00m), (order.Status, order.Currency, order.Total));
        Assert.Single(order.History!);
        Assert.Equal(1, SentTo(phone));

        due["currency"] = "HKD"; // the same event id, now in the order's currency, is a new event
        Assert.Equal("outstandingPayment", (await PostAcceptedAsync(due)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnOlderEventJoinsTheHistoryAndSendsNothingUnlessTheTenantSaysSo()
    {
        const string phone = "+46705510003";
        await PostAcceptedAsync(OrdersApp.Event("OOO-1", OrderStatus.Shipped, phone, Now.AddMinutes(-10)));

        var late = await PostAcceptedAsync(OrdersApp.Event("OOO-1", OrderStatus.Paid, phone, Now.AddMinutes(-60)));
        await _app.RunSendsAsync();

        Assert.True(late.GetProperty("outOfOrder").GetBoolean());
        Assert.Equal(("skipped", "outOfOrder"), (Notification(late).GetProperty("outcome").GetString(), Notification(late).GetProperty("code").GetString()));
        var order = await _app.MetaAdmin.GetOrderAsync("OOO-1");
        Assert.Equal(OrderStatus.Shipped, order.Status); // the older event does not move the order back
        Assert.Equal([OrderStatus.Shipped, OrderStatus.Paid], order.History!.Select(h => h.Status));
        Assert.Equal(1, SentTo(phone));

        try
        {
            await PutSettingsAsync(new { notifyOutOfOrder = true });
            var lateSent = await PostAcceptedAsync(OrdersApp.Event("OOO-1", OrderStatus.Processing, phone, Now.AddMinutes(-30)));
            await _app.RunSendsAsync();

            Assert.True(lateSent.GetProperty("outOfOrder").GetBoolean());
            Assert.Equal("sent", Notification(lateSent).GetProperty("outcome").GetString());
            Assert.Equal(2, SentTo(phone));
            Assert.Equal(OrderStatus.Shipped, (await _app.MetaAdmin.GetOrderAsync("OOO-1")).Status);
        }
        finally
        {
            await ResetSettingsAsync();
        }
    }

    [Fact]
    public async Task AStatusSwitchedOffIsRecordedAndSendsNothing()
    {
        const string phone = "+46705510004";
        try
        {
            await PutSettingsAsync(new { statuses = new Dictionary<string, object> { ["returnHandling"] = new { enabled = false } } });

            var answer = await PostAcceptedAsync(OrdersApp.Event("OFF-1", OrderStatus.ReturnHandling, phone, Now.AddMinutes(-1)));
            await _app.RunSendsAsync();

            Assert.Equal(("skipped", "statusOff"), (Notification(answer).GetProperty("outcome").GetString(), Notification(answer).GetProperty("code").GetString()));
            Assert.Equal(OrderStatus.ReturnHandling, (await _app.MetaAdmin.GetOrderAsync("OFF-1")).Status);
            Assert.Equal(0, SentTo(phone));
        }
        finally
        {
            await ResetSettingsAsync();
        }
    }

    [Fact]
    public async Task AnOptedOutCustomerIsNotSentToAndTheOrderSaysWhy()
    {
        const string phone = "+46705510005";
        await _app.ConsentAsync("mt", phone, ConsentPurpose.Utility, ConsentState.OptedOut);

        var answer = await PostAcceptedAsync(OrdersApp.Event("OPT-1", OrderStatus.Paid, phone, Now.AddMinutes(-1)));
        await _app.RunSendsAsync();

        Assert.Equal(("notSent", "recipientOptedOut"), (Notification(answer).GetProperty("outcome").GetString(), Notification(answer).GetProperty("code").GetString()));
        var history = Assert.Single((await _app.MetaAdmin.GetOrderAsync("OPT-1")).History!);
        Assert.False(string.IsNullOrWhiteSpace(history.Notification.Reason));
        Assert.Equal(0, SentTo(phone));
    }

    [Fact]
    public async Task InsideAnOpenCareWindowTheTenantMaySendTextAndOutsideItTheTemplate()
    {
        const string inside = "+46705510006", outside = "+46705510007";
        try
        {
            await PutSettingsAsync(new { sessionMessageInCareWindow = true });
            await _app.CustomerWritesAsync("mt", inside, Now.AddMinutes(-30));

            var session = await PostAcceptedAsync(OrdersApp.Event("SES-1", OrderStatus.Paid, inside, Now.AddMinutes(-1)));
            var template = await PostAcceptedAsync(OrdersApp.Event("SES-2", OrderStatus.Paid, outside, Now.AddMinutes(-1)));
            await _app.RunSendsAsync();

            Assert.True(Notification(session).GetProperty("asSessionMessage").GetBoolean());
            Assert.False(Notification(template).GetProperty("asSessionMessage").GetBoolean());
            var text = await SendingApp.GetMessageAsync(_app.MetaAdmin, Notification(session).GetProperty("messages")[0].GetProperty("id").GetString()!);
            Assert.Equal(MessageKind.Text, text.Type);
            Assert.StartsWith("Order Status Update (#SES-1): Paid", text.Text, StringComparison.Ordinal);
            using var sent = JsonDocument.Parse(Assert.Single(_app.Meta.Requests, r => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && r.Body.Contains("46705510006", StringComparison.Ordinal)).Body);
            Assert.Equal("text", sent.RootElement.GetProperty("type").GetString());
            Assert.Equal(text.Text, sent.RootElement.GetProperty("text").GetProperty("body").GetString());
            using var templated = JsonDocument.Parse(Assert.Single(_app.Meta.Requests, r => r.PathAndQuery.EndsWith("/messages", StringComparison.Ordinal) && r.Body.Contains("46705510007", StringComparison.Ordinal)).Body);
            Assert.Equal("template", templated.RootElement.GetProperty("type").GetString());
        }
        finally
        {
            await ResetSettingsAsync();
        }
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "eventId", """{"eventId":"has space","orderId":"BAD-1","status":"paid","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999"}""" },
        { "orderId", """{"eventId":"bad-1","orderId":"-no","status":"paid","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999"}""" },
        { "status", """{"eventId":"bad-2","orderId":"BAD-1","status":"lost","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999"}""" },
        { "occurredAt", """{"eventId":"bad-3","orderId":"BAD-1","status":"paid","customerPhone":"+46705519999"}""" },
        { "occurredAt", """{"eventId":"bad-4","orderId":"BAD-1","status":"paid","occurredAt":"2027-11-23T08:00:00Z","customerPhone":"+46705519999"}""" },
        { "customerPhone", """{"eventId":"bad-5","orderId":"BAD-1","status":"paid","occurredAt":"2026-11-23T08:00:00Z"}""" },
        { "customerPhone", """{"eventId":"bad-6","orderId":"BAD-1","status":"paid","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"call me"}""" },
        { "language", """{"eventId":"bad-7","orderId":"BAD-1","status":"paid","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999","language":"english!"}""" },
        { "carrier", """{"eventId":"bad-8","orderId":"BAD-1","status":"shipped","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999","trackingNumber":"1"}""" },
        { "currency", """{"eventId":"bad-9","orderId":"BAD-1","status":"refunded","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999","refundAmount":5}""" },
        { "items[0].quantity", """{"eventId":"bad-10","orderId":"BAD-1","status":"orderSent","occurredAt":"2026-11-23T08:00:00Z","customerPhone":"+46705519999","items":[{"name":"A","quantity":"one","unitPrice":1}],"currency":"HKD","total":1}""" },
        { "body", """[1,2]""" },
        { "body", """not json""" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedEventIs400NamingTheFieldAndRecordsNothing(string field, string json)
    {
        var response = await _orders.PostAsync("/api/orders/events", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await SendingApp.ReadProblemAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"errors name {field}: {errors}");
        Assert.Equal(HttpStatusCode.NotFound, (await _app.MetaAdmin.GetAsync("/api/orders/BAD-1")).StatusCode);
    }

    [Fact]
    public async Task AnOversizedEventIs413AndAnotherContentTypeIs415()
    {
        var big = OrdersApp.Event("BIG-1", OrderStatus.Paid, "+46705519998", Now.AddMinutes(-1));
        big["customerName"] = new string('x', OrderEventValidation.MaxBodyBytes);

        var oversized = await _orders.PostEventAsync(big);
        var form = await _orders.PostAsync("/api/orders/events", new StringContent(JsonSerializer.Serialize(OrdersApp.Event("BIG-1", OrderStatus.Paid, "+46705519998", Now.AddMinutes(-1))), Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Equal(413, (await SendingApp.ReadProblemAsync(oversized)).GetProperty("status").GetInt32()); // a problem body, whichever layer stopped it
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.MetaAdmin.GetAsync("/api/orders/BIG-1")).StatusCode);
    }

    public static TheoryData<string, string, string?> Routes() => new()
    {
        // method, path, role that must be refused (null: only "no key" is checked)
        { "POST", "/api/orders/events", "agent" },
        { "GET", "/api/orders", null },
        { "GET", "/api/orders/ROLE-1", null },
        { "GET", "/api/orders/settings", "orders" },
        { "PUT", "/api/orders/settings", "agent" },
        { "POST", "/api/orders/templates", "agent" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryOrdersRouteNeedsAKeyAndTheRightRole(string method, string path, string? refused)
    {
        using var anonymous = _app.Api.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Request(method, path))).StatusCode);
        if (refused is not null)
        {
            using var wrong = await _app.ClientAsync("mt", refused);
            Assert.Equal(HttpStatusCode.Forbidden, (await wrong.SendAsync(Request(method, path))).StatusCode);
        }
    }

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path) { Content = method == "GET" ? null : new StringContent("{}", Encoding.UTF8, "application/json") };

    [Fact]
    public async Task AnotherTenantsOrderIs404AndNotInItsLists()
    {
        await PostAcceptedAsync(OrdersApp.Event("MINE-1", OrderStatus.Paid, "+46705510008", Now.AddMinutes(-1), "MINE-1-paid"));
        using var otherOrders = await _app.ClientAsync("tw", "orders");

        Assert.Equal(HttpStatusCode.NotFound, (await _app.TwilioAdmin.GetAsync("/api/orders/MINE-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherOrders.GetAsync("/api/orders/MINE-1")).StatusCode);
        var page = (await _app.TwilioAdmin.GetFromJsonAsync<OrderPage>("/api/orders?pageSize=200", Functions.Tests.TestSupport.TestJson.Options))!;
        Assert.DoesNotContain(page.Orders, o => o.Id == "MINE-1");
        // The same event id on the other tenant is its own event.
        Assert.Equal(HttpStatusCode.Accepted, (await otherOrders.PostEventAsync(OrdersApp.Event("MINE-1", OrderStatus.Shipped, "+46705510008", Now.AddMinutes(-1), "MINE-1-paid"))).StatusCode);
        Assert.Equal(OrderStatus.Paid, (await _app.MetaAdmin.GetOrderAsync("MINE-1")).Status);
    }
}
