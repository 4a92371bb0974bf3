namespace Functions.Events;

/// <summary>
/// Settings of outgoing events (section <c>Events</c>): how subscribers' URLs are checked, how long
/// one delivery may take and how deliveries are retried.
/// </summary>
public sealed class EventsOptions
{
    public const string Section = "Events";

    /// <summary>Subscription URLs must be https (off only for development and tests).</summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>
    /// Whether a subscription may reach loopback, private or link-local addresses. Off: a tenant's
    /// URL cannot reach the app's own network, checked when it is registered (IP literals,
    /// <c>localhost</c>) and again at every connection (what the name resolves to then).
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long one delivery attempt may take, connection included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per delivery at most; then it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait after the first failed attempt; doubles after each further one.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait between attempts from the back-off (a receiver's Retry-After may ask for more, up to a day).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Days events and their delivery logs are kept; a daily timer deletes older ones.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>The longest Retry-After honoured.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>How long after the previous attempt failed attempt <paramref name="nextAttempt"/> (2, 3, …) is made, at least <paramref name="retryAfter"/>.</summary>
    public TimeSpan DelayBefore(int nextAttempt, TimeSpan? retryAfter)
    {
        var exponent = Math.Min(nextAttempt - 2, 30);
        var backoff = TimeSpan.FromTicks((long)Math.Min(RetryBaseDelay.Ticks * Math.Pow(2, exponent), RetryMaxDelay.Ticks));
        var delay = retryAfter is { } asked && asked > backoff ? asked : backoff;
        return delay > MaxRetryAfter ? MaxRetryAfter : delay;
    }
}
