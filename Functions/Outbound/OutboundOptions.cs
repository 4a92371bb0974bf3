namespace Functions.Outbound;

/// <summary>How sends are retried and paced. Section <c>Outbound</c>.</summary>
public sealed class OutboundOptions
{
    public const string Section = "Outbound";

    /// <summary>Provider requests per message at most, the first included; 429 and 5xx answers use them up.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>The wait before the second attempt when the provider gave no Retry-After; doubles each time.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts (and the cap on a provider's Retry-After).</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Pacing per recipient: one message per interval on average (Meta's pair rate limit is one
    /// message every 6 seconds to the same user), with bursts of <see cref="RecipientBurst"/>. Zero: no pacing.
    /// </summary>
    public TimeSpan RecipientInterval { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How many messages may go to one recipient back to back before pacing starts.</summary>
    public int RecipientBurst { get; set; } = 3;

    internal IEnumerable<string> Problems()
    {
        if (MaxAttempts is < 1 or > 20) yield return "Outbound:MaxAttempts must be 1 to 20.";
        if (RetryBaseDelay < TimeSpan.Zero || RetryBaseDelay > TimeSpan.FromHours(1)) yield return "Outbound:RetryBaseDelay must be 00:00:00 to 01:00:00.";
        if (RetryMaxDelay < RetryBaseDelay || RetryMaxDelay > TimeSpan.FromDays(1)) yield return "Outbound:RetryMaxDelay must be at least RetryBaseDelay and at most 1.00:00:00.";
        if (RecipientInterval < TimeSpan.Zero || RecipientInterval > TimeSpan.FromHours(1)) yield return "Outbound:RecipientInterval must be 00:00:00 to 01:00:00.";
        if (RecipientBurst is < 1 or > 100) yield return "Outbound:RecipientBurst must be 1 to 100.";
    }
}
