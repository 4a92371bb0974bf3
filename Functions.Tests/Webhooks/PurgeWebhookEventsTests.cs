using Functions.Hosting;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Functions.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Webhooks;

public sealed class PurgeWebhookEventsTests
{
    [Fact]
    public async Task EventsOlderThanTheRetentionAreDeletedForEveryTenantAndNewerOnesKept()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        var tables = new InMemoryTableStore(time);
        var queues = new InMemoryQueueStore(time);
        foreach (var table in new[] { Tenant.Table, WebhookEvent.Table }) await tables.CreateTableIfNotExistsAsync(table);
        await queues.CreateQueueIfNotExistsAsync(WebhookInbox.Queue);
        var tenants = new TenantDirectory(tables, time);
        foreach (var id in new[] { "one", "two" })
        {
            await tenants.TryCreateAsync(new Tenant(id, id, "UTC", "en", null, null, ProviderSettings.Sandbox, time.GetUtcNow(), time.GetUtcNow()), default);
        }
        var inbox = new WebhookInbox(tables, queues, time);

        // 120 old events for "one" (more than one delete batch), 3 for "two", then newer ones for both.
        for (var i = 0; i < 120; i++) await inbox.AcceptAsync("one", "meta", new Uri("https://x/"), "application/json", [1], default);
        for (var i = 0; i < 3; i++) await inbox.AcceptAsync("two", "meta", new Uri("https://x/"), "application/json", [2], default);
        time.Advance(TimeSpan.FromDays(10));
        var keptOne = await inbox.AcceptAsync("one", "meta", new Uri("https://x/"), "application/json", [3], default);
        var keptTwo = await inbox.AcceptAsync("two", "twilio", new Uri("https://x/"), "application/x-www-form-urlencoded", [4], default);
        time.Advance(TimeSpan.FromDays(5)); // the first batch is now 15 days old, the second 5

        var purge = new PurgeWebhookEventsHandler(tenants, tables, Options.Create(new WebhookOptions { RetentionDays = 14 }), time, NullLogger<PurgeWebhookEventsHandler>.Instance);
        await purge.RunAsync(new TimerInvocation("PurgeWebhookEvents", time.GetUtcNow(), false), default);

        Assert.Equal([keptOne.Id], (await inbox.ListAsync("one", 100, null, default)).Events.Select(e => e.Id));
        Assert.Equal([keptTwo.Id], (await inbox.ListAsync("two", 100, null, default)).Events.Select(e => e.Id));
        var found = await inbox.FindAsync("two", keptTwo.Id, default);
        Assert.Equal(new byte[] { 4 }, found!.Body);
    }

    [Fact]
    public void ALargeBodyIsStoredInPartsAndReadBackWhole()
    {
        var body = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        var stored = new WebhookEvent(WebhookEvent.NewId(DateTimeOffset.UtcNow), "meta", DateTimeOffset.UtcNow, new Uri("https://x/"), null, body, WebhookEventStatus.Received);
        var row = stored.ToEntity("t1");
        Assert.Equal(4, row.GetInt32("BodyParts"));
        Assert.Equal(body, WebhookEvent.FromEntity(row).Body);
        Assert.True(WebhookEvent.IsValidId(stored.Id));
    }
}
