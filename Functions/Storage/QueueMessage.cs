namespace Functions.Storage;

/// <summary>A received message: hold <see cref="PopReceipt"/> to delete it or change its visibility.</summary>
public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    string Text,
    long DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset NextVisibleOn);

/// <summary>A message seen by a peek: not received, so there is no receipt to act on it with.</summary>
public sealed record PeekedQueueMessage(
    string MessageId,
    string Text,
    long DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn);

/// <summary>What a send returns.</summary>
public sealed record SentQueueMessage(
    string MessageId,
    string PopReceipt,
    DateTimeOffset InsertedOn,
    DateTimeOffset ExpiresOn,
    DateTimeOffset NextVisibleOn);

/// <summary>What a visibility update returns: the old receipt is no longer valid.</summary>
public sealed record QueueMessageLease(string PopReceipt, DateTimeOffset NextVisibleOn);
