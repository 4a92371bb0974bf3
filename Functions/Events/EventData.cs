using Functions.Channels;
using Functions.Conversations;

namespace Functions.Events;

/// <summary><c>message.received</c>: the customer's message as <c>GET /api/messages/{id}</c> shows it, with its conversation and sender.</summary>
public sealed record MessageReceivedData(string ConversationId, string ContactPhone, string? ProfileName, MessageView Message);

/// <summary><c>message.status</c>: a message we sent reached <see cref="Status"/> at <see cref="StatusAt"/> (the provider's time).</summary>
public sealed record MessageStatusData(string ConversationId, string MessageId, DeliveryStatus Status, DateTimeOffset StatusAt, ProviderError? Error, MessageView Message);

/// <summary><c>window.closing</c> / <c>window.closed</c>: a conversation's care window closes (closed) at <see cref="WindowExpiresAt"/>.</summary>
public sealed record WindowEventData(string ConversationId, string ContactPhone, DateTimeOffset WindowExpiresAt);
