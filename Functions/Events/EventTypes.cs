namespace Functions.Events;

/// <summary>The outgoing event types a tenant's webhook subscription can ask for.</summary>
public static class EventTypes
{
    /// <summary>A customer's message was recorded in a conversation (once per provider message).</summary>
    public const string MessageReceived = "message.received";

    /// <summary>A message we sent moved to a new delivery status (sent, delivered, read, failed).</summary>
    public const string MessageStatus = "message.status";

    /// <summary>A conversation was assigned to an agent, or unassigned.</summary>
    public const string ConversationAssigned = "conversation.assigned";

    /// <summary>A conversation's status changed (Active, Archived, Closed).</summary>
    public const string ConversationStatus = "conversation.status";

    /// <summary>A conversation's care window closes soon (the configured reminder fired).</summary>
    public const string WindowClosing = "window.closing";

    /// <summary>A conversation's care window closed: only templates may be sent until the customer writes.</summary>
    public const string WindowClosed = "window.closed";

    /// <summary>A broadcast finished sending to all its recipients.</summary>
    public const string BroadcastCompleted = "broadcast.completed";

    public static readonly IReadOnlyList<string> All =
        [MessageReceived, MessageStatus, ConversationAssigned, ConversationStatus, WindowClosing, WindowClosed, BroadcastCompleted];

    public static bool IsKnown(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);
}
