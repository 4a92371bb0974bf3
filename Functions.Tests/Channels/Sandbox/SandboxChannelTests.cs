using System.Text.Json;
using Functions.Channels;
using Functions.Channels.Sandbox;
using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tests.TestSupport;
using Functions.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Channels.Sandbox;

/// <summary>The sandbox channel on in-memory storage and a manual clock: what it records, and which webhook events it schedules when.</summary>
public sealed class SandboxChannelTests : IAsyncLifetime
{
    private const string Tenant = "shop";
    private const string Customer = "+46701234567";

    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryTableStore _tables;
    private readonly InMemoryQueueStore _queues;
    private readonly WebhookInbox _inbox;
    private readonly SandboxChannel _sandbox;

    public SandboxChannelTests()
    {
        _tables = new InMemoryTableStore(_time);
        _queues = new InMemoryQueueStore(_time);
        _inbox = new WebhookInbox(_tables, _queues, _time);
        _sandbox = new SandboxChannel(_tables, _inbox, Options.Create(new SandboxOptions()), _time, NullLogger<SandboxChannel>.Instance);
    }

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(WebhookEvent.Table);
        await _tables.CreateTableIfNotExistsAsync(SandboxMessage.Table);
        await _queues.CreateQueueIfNotExistsAsync(WebhookInbox.Queue);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static OutboundMessage Text(string to = Customer, string text = "Your order has shipped.") =>
        new(to, MessageKind.Text) { Text = text, ClientReference = "msg-1" };

    /// <summary>The events whose processing is due now, parsed as the webhook processor parses them (their work items done).</summary>
    private async Task<List<MessageStatusEvent>> DueStatusesAsync()
    {
        var due = new List<MessageStatusEvent>();
        foreach (var item in await _queues.ReceiveAsync(WebhookInbox.Queue, 32, TimeSpan.FromDays(1)))
        {
            var work = JsonSerializer.Deserialize<WebhookWork>(item.Text, JsonSerializerOptions.Web)!;
            var stored = (await _inbox.FindAsync(work.Tenant, work.EventId, default))!;
            Assert.Equal(("sandbox", "application/json", Tenant), (stored.Provider, stored.ContentType, work.Tenant));
            var parsed = SandboxWebhookParser.Parse(new WebhookRequest(stored.PublicUrl, "POST", new Dictionary<string, string>(), stored.Body));
            due.Add(Assert.IsType<MessageStatusEvent>(Assert.Single(parsed)));
            await _queues.DeleteMessageAsync(WebhookInbox.Queue, item.MessageId, item.PopReceipt);
        }
        return due;
    }

    private async Task<int> StoredEventCountAsync() => (await _inbox.ListAsync(Tenant, 100, null, default)).Events.Count;

    [Fact]
    public async Task ASendIsRecordedAndItsStatusesArriveSentDeliveredReadOnSchedule()
    {
        var start = _time.GetUtcNow();
        var receipt = await _sandbox.SendAsync(Tenant, Text(), default);

        Assert.Equal(DeliveryStatus.Sent, receipt.Status);
        Assert.Null(receipt.Error);
        Assert.Matches("^sbx[0-9]{19}[0-9a-f]{12}$", receipt.ProviderMessageId);
        var recorded = (await _sandbox.FindAsync(Tenant, receipt.ProviderMessageId, default))!;
        Assert.Equal((Customer, MessageKind.Text, "Your order has shipped.", "msg-1", start, SandboxOutcome.Read),
            (recorded.To, recorded.Kind, recorded.Text, recorded.ClientReference, recorded.SentOn, recorded.Outcome));

        // All three events are stored at once; each one's processing waits for its time.
        Assert.Equal(3, await StoredEventCountAsync());
        Assert.Equal([new MessageStatusEvent("sandbox", receipt.ProviderMessageId, DeliveryStatus.Sent, start) { Recipient = Customer, ClientReference = "msg-1" }],
            await DueStatusesAsync());
        _time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Empty(await DueStatusesAsync());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal([new MessageStatusEvent("sandbox", receipt.ProviderMessageId, DeliveryStatus.Delivered, start.AddSeconds(2)) { Recipient = Customer, ClientReference = "msg-1" }],
            await DueStatusesAsync());
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal([new MessageStatusEvent("sandbox", receipt.ProviderMessageId, DeliveryStatus.Read, start.AddSeconds(5)) { Recipient = Customer, ClientReference = "msg-1" }],
            await DueStatusesAsync());
    }

    [Fact]
    public async Task WhatWasSentIsRecordedWhole()
    {
        var template = new TemplateContent("order_shipped", "en_US", new Dictionary<string, string> { ["1"] = "Ada", ["2"] = "#1234" },
            HeaderMedia: new MediaContent(new Uri("https://cdn.example.com/label.pdf"), "application/pdf", FileName: "label.pdf"));
        var interactive = new InteractiveContent("Did it arrive?", [new ReplyButton("yes", "Yes"), new ReplyButton("no", "No")], Footer: "Shop");
        var messages = new[]
        {
            new OutboundMessage(Customer, MessageKind.Template) { Template = template },
            new OutboundMessage(Customer, MessageKind.Interactive) { Interactive = interactive },
            new OutboundMessage(Customer, MessageKind.Image) { Media = new MediaContent(new Uri("https://cdn.example.com/a.jpg"), "image/jpeg", "Your parcel") },
            new OutboundMessage(Customer, MessageKind.Location) { Location = new LocationContent(59.33, 18.07, "Pickup point", "Drottninggatan 1") },
            new OutboundMessage(Customer, MessageKind.Reaction) { Reaction = new ReactionContent("sbx-earlier", "👍") },
        };
        foreach (var message in messages)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await _sandbox.SendAsync(Tenant, message, default);
        }

        var page = await _sandbox.ListAsync(Tenant, 10, null, default);
        Assert.Equal([MessageKind.Reaction, MessageKind.Location, MessageKind.Image, MessageKind.Interactive, MessageKind.Template], page.Items.Select(m => m.Kind));
        var sentTemplate = page.Items[4].Template!;
        Assert.Equal(("order_shipped", "en_US", template.HeaderMedia), (sentTemplate.Name, sentTemplate.Language, sentTemplate.HeaderMedia));
        Assert.Equal(template.Variables, sentTemplate.Variables);
        Assert.Equal(["yes", "no"], page.Items[3].Interactive!.Buttons!.Select(b => b.Id));
        Assert.Equal(("Did it arrive?", "Shop"), (page.Items[3].Interactive!.Body, page.Items[3].Interactive!.Footer));
        Assert.Equal(messages[2].Media, page.Items[2].Media);
        Assert.Equal(messages[3].Location, page.Items[1].Location);
        Assert.Equal(messages[4].Reaction, page.Items[0].Reaction);
    }

    public static TheoryData<OutboundMessage> Malformed => new()
    {
        new OutboundMessage("0701234567", MessageKind.Text) { Text = "national number" },
        new OutboundMessage("+46 70 123 45 67", MessageKind.Text) { Text = "spaces" },
        new OutboundMessage(Customer, MessageKind.Text),
        new OutboundMessage(Customer, MessageKind.Image) { Text = "no media" },
        new OutboundMessage(Customer, MessageKind.Image) { Media = new MediaContent(new Uri("file:///etc/passwd")) },
        new OutboundMessage(Customer, MessageKind.Template) { Template = new TemplateContent("", "en", new Dictionary<string, string>()) },
        new OutboundMessage(Customer, MessageKind.Location) { Location = new LocationContent(91, 0) },
        new OutboundMessage(Customer, MessageKind.Interactive) { Interactive = new InteractiveContent("Pick", [new("a", "A"), new("b", "B"), new("c", "C"), new("d", "D")]) },
        new OutboundMessage(Customer, MessageKind.Contacts),
        new OutboundMessage(Customer, MessageKind.Text) { Text = "hi", ClientReference = new string('r', 513) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task AMalformedMessageIsAnArgumentExceptionAndNothingIsRecorded(OutboundMessage message)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _sandbox.SendAsync(Tenant, message, default));
        Assert.Empty((await _sandbox.ListAsync(Tenant, 10, null, default)).Items);
        Assert.Equal(0, await StoredEventCountAsync());
    }

    [Theory]
    [InlineData("+46701230429", FailureReason.RateLimited, 429, true)]
    [InlineData("+46701230500", FailureReason.ProviderUnavailable, 500, true)]
    [InlineData("+46701230404", FailureReason.InvalidRecipient, 400, false)]
    public async Task SimulatedRefusalsAreChannelSendExceptionsAndNothingIsRecorded(string to, FailureReason reason, int httpStatus, bool retryable)
    {
        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => _sandbox.SendAsync(Tenant, Text(to), default));

        Assert.Equal((reason, httpStatus, retryable), (ex.Error.Reason, ex.HttpStatus, ex.IsRetryable));
        Assert.StartsWith("sandbox_", ex.Error.Code);
        Assert.Equal(reason == FailureReason.RateLimited ? TimeSpan.FromSeconds(1) : null, ex.RetryAfter);
        Assert.DoesNotContain(to, ex.Message);
        Assert.Empty((await _sandbox.ListAsync(Tenant, 10, null, default)).Items);
        Assert.Equal(0, await StoredEventCountAsync());
    }

    [Fact]
    public async Task ATextOverWhatsAppsLimitIsRefusedAsAnInvalidRequest()
    {
        var ex = await Assert.ThrowsAsync<ChannelSendException>(() => _sandbox.SendAsync(Tenant, Text(text: new string('x', 4097)), default));
        Assert.Equal((FailureReason.InvalidRequest, 400, false), (ex.Error.Reason, ex.HttpStatus, ex.IsRetryable));
        await _sandbox.SendAsync(Tenant, Text(text: new string('x', 4096)), default);
    }

    [Fact]
    public async Task ASimulatedTimeOutIsAnUnknownOutcomeButTheMessageIsRecordedAndItsStatusesStillCome()
    {
        var start = _time.GetUtcNow();
        var ex = await Assert.ThrowsAsync<SendOutcomeUnknownException>(() => _sandbox.SendAsync(Tenant, Text("+46701230408"), default));

        var recorded = Assert.Single((await _sandbox.ListAsync(Tenant, 10, null, default)).Items);
        Assert.Equal(SandboxOutcome.OutcomeUnknown, recorded.Outcome);
        Assert.Contains(recorded.Id, ex.Message);
        _time.Advance(TimeSpan.FromSeconds(5));
        var statuses = await DueStatusesAsync();
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read], statuses.Select(s => s.Status).Order());
        // The status callbacks name our message, so reconciliation can find it without the sandbox's id.
        Assert.All(statuses, s => Assert.Equal((recorded.Id, "msg-1", "+46701230408"), (s.ProviderMessageId, s.ClientReference, s.Recipient)));
        Assert.Equal(start.AddSeconds(5), statuses.Single(s => s.Status == DeliveryStatus.Read).Timestamp);
    }

    [Fact]
    public async Task AnUndeliverableNumberIsAcceptedThenFails()
    {
        var start = _time.GetUtcNow();
        var receipt = await _sandbox.SendAsync(Tenant, Text("+46701230131"), default);
        Assert.Equal(DeliveryStatus.Sent, receipt.Status);
        Assert.Equal(SandboxOutcome.Failed, (await _sandbox.FindAsync(Tenant, receipt.ProviderMessageId, default))!.Outcome);

        Assert.Equal([DeliveryStatus.Sent], (await DueStatusesAsync()).Select(s => s.Status));
        _time.Advance(TimeSpan.FromDays(1));
        var failed = Assert.Single(await DueStatusesAsync());
        Assert.Equal((DeliveryStatus.Failed, start.AddSeconds(2)), (failed.Status, failed.Timestamp));
        Assert.Equal(("sandbox_undeliverable", FailureReason.InvalidRecipient), (failed.Error!.Code, failed.Error.Reason));
        Assert.Equal(2, await StoredEventCountAsync()); // no delivered, no read
    }

    [Fact]
    public async Task ZeroDelaysMakeEveryStatusDueAtOnce()
    {
        var sandbox = new SandboxChannel(_tables, _inbox, Options.Create(new SandboxOptions { DeliveredAfter = TimeSpan.Zero, ReadAfter = TimeSpan.Zero }),
            _time, NullLogger<SandboxChannel>.Instance);
        await sandbox.SendAsync(Tenant, Text(), default);
        Assert.Equal([DeliveryStatus.Sent, DeliveryStatus.Delivered, DeliveryStatus.Read], (await DueStatusesAsync()).Select(s => s.Status).Order());
    }

    [Fact]
    public async Task AFailedStatusScheduleAfterTheRecordStillLeavesTheRecordAndReportsTheStorageFailure()
    {
        // The queue is missing: the record is written, scheduling fails with the store's error (not swallowed).
        var tables = new InMemoryTableStore(_time);
        await tables.CreateTableIfNotExistsAsync(WebhookEvent.Table);
        await tables.CreateTableIfNotExistsAsync(SandboxMessage.Table);
        var sandbox = new SandboxChannel(tables, new WebhookInbox(tables, new InMemoryQueueStore(_time), _time), Options.Create(new SandboxOptions()),
            _time, NullLogger<SandboxChannel>.Instance);

        await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => sandbox.SendAsync(Tenant, Text(), default));
        Assert.Single((await sandbox.ListAsync(Tenant, 10, null, default)).Items);
    }

    [Fact]
    public async Task TheRecordIsPagedNewestFirstAndKeptPerTenant()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            ids.Add((await _sandbox.SendAsync(Tenant, Text(text: $"n{i}"), default)).ProviderMessageId);
        }
        await _sandbox.SendAsync("other", Text(), default);

        var first = await _sandbox.ListAsync(Tenant, 3, null, default);
        Assert.Equal(ids.AsEnumerable().Reverse().Take(3), first.Items.Select(m => m.Id));
        var second = await _sandbox.ListAsync(Tenant, 3, first.ContinuationToken, default);
        Assert.Equal([ids[1], ids[0]], second.Items.Select(m => m.Id));
        Assert.Single((await _sandbox.ListAsync("other", 10, null, default)).Items);
        Assert.Null(await _sandbox.FindAsync("other", ids[0], default));
        Assert.Null(await _sandbox.FindAsync(Tenant, "not-an-id", default));
    }

    [Theory]
    [InlineData("00:00:00", "00:00:00", null)]
    [InlineData("00:00:02", "00:00:05", null)]
    [InlineData("-00:00:01", "00:00:05", "Sandbox:DeliveredAfter")]
    [InlineData("1.00:00:01", "1.00:00:01", "Sandbox:DeliveredAfter")]
    [InlineData("00:00:05", "00:00:02", "Sandbox:ReadAfter")]
    [InlineData("00:00:00", "2.00:00:00", "Sandbox:ReadAfter")]
    public void SettingsAreCheckedAndNamed(string deliveredAfter, string readAfter, string? named)
    {
        var errors = SandboxOptions.Validate(new SandboxOptions { DeliveredAfter = TimeSpan.Parse(deliveredAfter), ReadAfter = TimeSpan.Parse(readAfter) }).ToList();
        if (named is null) Assert.Empty(errors);
        else Assert.Contains(errors, e => e.StartsWith(named, StringComparison.Ordinal));
    }

    [Fact]
    public void SandboxMessageIdsAreUniqueAndNewestFirst()
    {
        var earlier = SandboxMessage.NewId(ManualTimeProvider.DefaultStart);
        var later = SandboxMessage.NewId(ManualTimeProvider.DefaultStart.AddTicks(1));
        Assert.True(string.CompareOrdinal(later, earlier) < 0);
        Assert.NotEqual(earlier, SandboxMessage.NewId(ManualTimeProvider.DefaultStart));
        TableRules.ValidateKey(earlier, "RowKey");
    }
}
