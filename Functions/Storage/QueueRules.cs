using System.Text;

namespace Functions.Storage;

/// <summary>Storage Queue limits, checked by both adapters before anything is sent.</summary>
public static class QueueRules
{
    public static readonly TimeSpan MaxVisibility = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromDays(7);

    /// <summary>64 KiB of Base64 on the wire holds 48 KiB of UTF-8 text.</summary>
    public const int MaxMessageBytes = 48 * 1024;

    public const int MaxReceiveCount = 32;

    /// <summary>3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static void ValidateQueueName(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var ok = queue.Length is >= 3 and <= 63
            && char.IsAsciiLetterLower(queue[0]) | char.IsAsciiDigit(queue[0])
            && queue[^1] != '-'
            && !queue.Contains("--", StringComparison.Ordinal)
            && queue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
        if (!ok)
        {
            throw new ArgumentException(
                $"Queue name '{queue}' is invalid: use 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                nameof(queue));
        }
    }

    public static void ValidateMessage(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) > MaxMessageBytes)
        {
            throw new ArgumentException($"Queue message is larger than {MaxMessageBytes} bytes of UTF-8 (64 KiB once Base64-encoded).", nameof(text));
        }
    }

    public static void ValidateSend(TimeSpan? visibilityDelay, TimeSpan? timeToLive)
    {
        if (visibilityDelay is { } d && (d < TimeSpan.Zero || d > MaxVisibility))
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), d, "A visibility delay is between 0 and 7 days.");
        }
        if (timeToLive is { } ttl && ttl != Timeout.InfiniteTimeSpan && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeToLive), ttl, "A time-to-live is positive, or Timeout.InfiniteTimeSpan.");
        }
        if (visibilityDelay is { } delay && timeToLive is { } t && t != Timeout.InfiniteTimeSpan && delay >= t)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), delay, "A visibility delay must be shorter than the time-to-live.");
        }
    }

    public static void ValidateReceive(int maxMessages, TimeSpan visibilityTimeout)
    {
        if (maxMessages is < 1 or > MaxReceiveCount)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "Between 1 and 32 messages can be received at once.");
        }
        if (visibilityTimeout < TimeSpan.FromSeconds(1) || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "A receive's visibility timeout is between 1 second and 7 days.");
        }
    }

    public static void ValidatePeek(int maxMessages)
    {
        if (maxMessages is < 1 or > MaxReceiveCount)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "Between 1 and 32 messages can be peeked at once.");
        }
    }

    public static void ValidateVisibilityUpdate(TimeSpan visibilityTimeout)
    {
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibility)
        {
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "A visibility timeout is between 0 and 7 days.");
        }
    }
}
