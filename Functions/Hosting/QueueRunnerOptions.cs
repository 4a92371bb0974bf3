using System.ComponentModel.DataAnnotations;

namespace Functions.Hosting;

/// <summary>
/// Queue trigger settings (section <c>Queues</c>). The same values are written into host.json's
/// <c>extensions.queues</c>, so both modes retry and poison-queue alike.
/// </summary>
public sealed class QueueRunnerOptions
{
    public const string Section = "Queues";

    /// <summary>Attempts before a message moves to <c>&lt;queue&gt;-poison</c> (the first attempt counts).</summary>
    [Range(1, 100, ErrorMessage = "Queues:MaxDequeueCount must be between 1 and 100.")]
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>Messages handled at once per queue function.</summary>
    [Range(1, 32, ErrorMessage = "Queues:BatchSize must be between 1 and 32.")]
    public int BatchSize { get; set; } = 16;

    /// <summary>How long a failed message stays hidden before its next attempt.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait between polls of an idle queue (polling backs off up to this).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Standalone only: how long a message is leased while its handler runs; renewed at half-time.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    internal static IEnumerable<string> Validate(QueueRunnerOptions o)
    {
        if (o.VisibilityTimeout < TimeSpan.Zero || o.VisibilityTimeout > TimeSpan.FromDays(7))
            yield return "Queues:VisibilityTimeout must be between 00:00:00 and 7.00:00:00.";
        if (o.MaxPollingInterval < TimeSpan.FromMilliseconds(100) || o.MaxPollingInterval > TimeSpan.FromMinutes(10))
            yield return "Queues:MaxPollingInterval must be between 00:00:00.100 and 00:10:00.";
        if (o.LeaseDuration < TimeSpan.FromSeconds(10) || o.LeaseDuration > TimeSpan.FromDays(7))
            yield return "Queues:LeaseDuration must be between 00:00:10 and 7.00:00:00.";
    }
}
