namespace Functions.Channels.Sandbox;

/// <summary>
/// When the sandbox's later statuses arrive, counted from the send (setting section <c>Sandbox</c>).
/// <c>sent</c> comes at once. Zero is allowed (tests use it); at most a day.
/// </summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    /// <summary>When <c>delivered</c> (or, for a simulated undeliverable number, <c>failed</c>) arrives.</summary>
    public TimeSpan DeliveredAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>When <c>read</c> arrives; not before <see cref="DeliveredAfter"/>.</summary>
    public TimeSpan ReadAfter { get; set; } = TimeSpan.FromSeconds(5);

    public static IEnumerable<string> Validate(SandboxOptions options)
    {
        if (options.DeliveredAfter < TimeSpan.Zero || options.DeliveredAfter > MaxDelay)
        {
            yield return "Sandbox:DeliveredAfter must be between 00:00:00 and 1.00:00:00.";
        }
        if (options.ReadAfter < options.DeliveredAfter || options.ReadAfter > MaxDelay)
        {
            yield return "Sandbox:ReadAfter must be between Sandbox:DeliveredAfter and 1.00:00:00.";
        }
    }
}
