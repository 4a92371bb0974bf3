using Functions.Channels;
using Functions.Conversations;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage.AzureStorage;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.Storage;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Functions.Tests.Conversations;

/// <summary>The auto-archive timer's filtered queries (an Int64 setting, a status and a time) rendered to OData and run by Azurite.</summary>
public sealed class AutoArchiveAzuriteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task OnlyIdleActiveConversationsOfTenantsWithTheSettingAreArchived()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var tables = new TableStorageClient(azurite.Account);
        foreach (var table in new[] { Tenant.Table, Conversation.Table, ConversationMessage.Table, ConversationMessage.IndexTable, AutoArchiveTimer.CheckpointTable }) await tables.CreateTableIfNotExistsAsync(table);
        var directory = new TenantDirectory(tables, time);
        var now = time.GetUtcNow();
        await directory.TryCreateAsync(new Tenant("on", "On", "UTC", "en", null, null, ProviderSettings.Sandbox, now, now) { AutoArchiveAfter = TimeSpan.FromHours(1) }, default);
        await directory.TryCreateAsync(new Tenant("off", "Off", "UTC", "en", null, null, ProviderSettings.Sandbox, now, now), default);
        var conversations = new ConversationStore(tables, time);
        var n = 0;
        async Task<string> WriteAsync(string tenant, string phone) => (await conversations.RecordInboundAsync(tenant, "sandbox",
            new InboundMessageEvent("sandbox", $"sbx.{++n}", phone, "+46850001000", time.GetUtcNow(), MessageKind.Text) { Text = "hi" }, default)).Conversation!.Id;

        var idle = await WriteAsync("on", "+46701000001");
        var closed = await WriteAsync("on", "+46701000002");
        await conversations.CloseAsync("on", closed, default);
        var otherTenant = await WriteAsync("off", "+46701000001");
        time.Advance(TimeSpan.FromMinutes(90));
        var recent = await WriteAsync("on", "+46701000003");

        await new AutoArchiveTimer(tables, conversations, new TenantEvents(new InMemoryQueueStore(time), time), time, NullLogger<AutoArchiveTimer>.Instance)
            .RunAsync(new TimerInvocation("AutoArchiveConversations", time.GetUtcNow(), false), default);

        async Task<ConversationStatus> StatusAsync(string tenant, string id) => (await conversations.GetAsync(tenant, id, default))!.Status;
        Assert.Equal(ConversationStatus.Archived, await StatusAsync("on", idle));
        Assert.Equal(ConversationStatus.Closed, await StatusAsync("on", closed));
        Assert.Equal(ConversationStatus.Active, await StatusAsync("on", recent));
        Assert.Equal(ConversationStatus.Active, await StatusAsync("off", otherTenant));
    }
}
