using System.Text.Json;
using Azure;
using Functions.Events;
using Functions.Hosting;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Conversations;

public sealed class CareWindowOptions
{
    public const string Section = "CareWindow";

    /// <summary>How long before the window closes a "closing" event is recorded (null: none).</summary>
    public TimeSpan? ReminderBefore { get; set; }
}

/// <summary>What happened to a conversation's window, as recorded: a reminder before it closes, and its closing.</summary>
public sealed record ConversationEvent(string Type, DateTimeOffset At, DateTimeOffset WindowExpiresAt)
{
    public const string Table = "ConversationEvents";
    public const string WindowClosing = "window.closing";
    public const string WindowClosed = "window.closed";
}

/// <summary>A timer message: which conversation, which window (the customer-message time it was set for), and what to do.</summary>
public sealed record CareWindowTick(string Tenant, string ConversationId, long WindowVersion, string Type);

/// <summary>
/// The care-window timer of DESIGN §4, on durable delayed queue messages. Each customer message
/// sets a timer (and a reminder, if configured) for the window it opened or renewed, tagged with
/// that window's version (the time of the customer's last message). When a timer fires and the
/// version still matches, the window closed (or is about to): the event is recorded once. A
/// stale timer (the customer wrote again since) does nothing. Each recorded event is also published
/// to the tenant's subscribers (<c>window.closing</c>, <c>window.closed</c>). Whether a free-form message may be
/// sent is always decided from the stored times, never from this timer having fired.
/// </summary>
public sealed class CareWindowTimer(
    IQueueStore queues, ITableStore tables, ConversationStore conversations, TenantEvents events, IOptions<CareWindowOptions> options, TimeProvider time)
    : IQueueFunctionHandler
{
    public const string Queue = "care-window";

    /// <summary>Sets the timers for the window as it is now; safe to call again (stale or repeated timers are no-ops).</summary>
    public async Task ScheduleAsync(string tenant, Conversation conversation, CancellationToken cancellationToken)
    {
        if (conversation.Window.LastCustomerMessageAt is not { } last || conversation.Window.ExpiresAt is not { } expires)
        {
            return;
        }
        var version = last.UtcTicks;
        await SendAsync(new CareWindowTick(tenant, conversation.Id, version, ConversationEvent.WindowClosed), expires, cancellationToken);
        if (options.Value.ReminderBefore is { } before && before > TimeSpan.Zero)
        {
            await SendAsync(new CareWindowTick(tenant, conversation.Id, version, ConversationEvent.WindowClosing), expires - before, cancellationToken);
        }
    }

    public async Task HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var tick = JsonSerializer.Deserialize<CareWindowTick>(invocation.MessageText, JsonSerializerOptions.Web)
            ?? throw new FormatException("The timer message is empty.");
        var conversation = await conversations.GetAsync(tick.Tenant, tick.ConversationId, cancellationToken);
        if (conversation?.Window.LastCustomerMessageAt?.UtcTicks != tick.WindowVersion || conversation.Window.ExpiresAt is not { } expires)
        {
            return; // the customer wrote again (a newer timer exists), or the conversation is gone
        }
        var due = tick.Type == ConversationEvent.WindowClosed ? expires : expires - (options.Value.ReminderBefore ?? TimeSpan.Zero);
        if (time.GetUtcNow() < due)
        {
            // Early (a delay is capped at 7 days, or clocks differ): wait for the rest.
            await SendAsync(tick, due, cancellationToken);
            return;
        }
        var row = new TableEntity($"{tick.Tenant}|{tick.ConversationId}", $"{tick.WindowVersion:D19}:{tick.Type}")
        {
            ["Type"] = tick.Type,
            ["At"] = time.GetUtcNow(),
            ["WindowExpiresAt"] = expires,
        };
        try
        {
            await tables.InsertAsync(ConversationEvent.Table, row, cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            // Recorded by an earlier delivery of this timer (which may have stopped before publishing).
        }
        // The event id follows from the window and the type: published again, it is delivered once.
        await events.PublishAsync(tick.Tenant, tick.Type == ConversationEvent.WindowClosed ? EventTypes.WindowClosed : EventTypes.WindowClosing,
            new WindowEventData(conversation.Id, conversation.ContactPhone, expires),
            idempotencyKey: $"{tick.ConversationId}:{tick.WindowVersion}", cancellationToken);
    }

    /// <summary>The window events of a conversation, oldest window first.</summary>
    public async Task<IReadOnlyList<ConversationEvent>> EventsAsync(string tenant, string conversationId, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(ConversationEvent.Table, new TableQuery($"{tenant}|{conversationId}"), null, cancellationToken);
        return page.Entities.Select(e => new ConversationEvent(
            e.GetString("Type") ?? "", e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, e.GetDateTimeOffset("WindowExpiresAt") ?? DateTimeOffset.MinValue)).ToList();
    }

    private Task SendAsync(CareWindowTick tick, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var delay = due - time.GetUtcNow();
        var capped = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > QueueRules.MaxVisibility ? QueueRules.MaxVisibility : delay;
        return queues.SendAsync(Queue, JsonSerializer.Serialize(tick, JsonSerializerOptions.Web), visibilityDelay: capped,
            timeToLive: capped + TimeSpan.FromDays(1), cancellationToken: cancellationToken);
    }
}
