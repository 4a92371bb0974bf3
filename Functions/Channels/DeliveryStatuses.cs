namespace Functions.Channels;

/// <summary>
/// Statuses only move forward (queued → sent → delivered → read), whatever order the callbacks
/// arrive in, and failed is final. A "failed" after "delivered" is still taken: providers report
/// delivery failures late (Twilio's undelivered), and that is the message's real outcome.
/// </summary>
public static class DeliveryStatuses
{
    /// <summary>The status after <paramref name="incoming"/> arrives for a message at <paramref name="current"/>.</summary>
    public static DeliveryStatus Advance(DeliveryStatus current, DeliveryStatus incoming) =>
        current == DeliveryStatus.Failed ? DeliveryStatus.Failed
        : incoming == DeliveryStatus.Failed ? (current == DeliveryStatus.Read ? DeliveryStatus.Read : DeliveryStatus.Failed)
        : incoming > current ? incoming
        : current;

    /// <summary>True when <paramref name="incoming"/> changes anything (so a stale or repeated callback is a no-op).</summary>
    public static bool Changes(DeliveryStatus current, DeliveryStatus incoming) => Advance(current, incoming) != current;
}
