using System.Net;
using System.Net.Http.Json;
using Functions.Events;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>
/// The whole app driven by a manual clock (<see cref="SendingApp"/> in driven mode: tenants
/// <c>mt</c>, <c>tw</c>, <c>sb</c>) with a fake receiver on 127.0.0.1, which the settings allow
/// (http, private networks). Tests run the event queues themselves, at the times they choose.
/// </summary>
public sealed class EventsApp : IAsyncDisposable
{
    private EventsApp(SendingApp app, FakeEventReceiver receiver)
    {
        App = app;
        Receiver = receiver;
    }

    public SendingApp App { get; }
    public FakeEventReceiver Receiver { get; }
    public ManualTimeProvider Clock => App.Clock!;

    public static async Task<EventsApp> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Events:RequireHttps"] = "false",
            ["Events:AllowPrivateNetworks"] = "true",
            ["Events:Timeout"] = "00:00:02",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var receiver = await FakeEventReceiver.StartAsync();
        return new EventsApp(await SendingApp.StartAsync(all, driven: true), receiver);
    }

    /// <summary>Registers the receiver for the tenant (all types unless given); returns it with its secret.</summary>
    public async Task<SubscriptionWithSecret> SubscribeAsync(HttpClient admin, params string[] types)
    {
        var response = await admin.PostAsJsonAsync("/api/events/subscriptions",
            new { url = Receiver.Url.ToString(), types = types.Length == 0 ? null : types, description = "test receiver" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SubscriptionWithSecret>(TestJson.Options))!;
    }

    /// <summary>Fans out what was published and makes every delivery attempt due now (and those they make due now).</summary>
    public async Task<int> DeliverDueAsync()
    {
        await QueueDriver.RunAsync(App.Api.App, "FanOutEvent");
        return await QueueDriver.RunAsync(App.Api.App, "DeliverEvent");
    }

    public Task<int> ProcessWebhooksAsync() => QueueDriver.RunAsync(App.Api.App, "ProcessWebhookEvent");

    public static async Task<DeliveryPage> LogAsync(HttpClient admin, string subscriptionId, string query = "") =>
        (await admin.GetFromJsonAsync<DeliveryPage>($"/api/events/subscriptions/{subscriptionId}/deliveries{query}", TestJson.Options))!;

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
