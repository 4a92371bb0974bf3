namespace Functions.Channels;

/// <summary>Why a provider refused or failed a message, in terms the product acts on.</summary>
public enum FailureReason
{
    /// <summary>Free-form message outside the 24-hour care window: a template is needed (Twilio 63016, Meta 131047).</summary>
    OutsideCareWindow,
    /// <summary>Too many messages (account, number or pair rate limit): retry later.</summary>
    RateLimited,
    /// <summary>Not a WhatsApp user, or not a valid number.</summary>
    InvalidRecipient,
    /// <summary>The recipient stopped or blocked marketing from the business.</summary>
    RecipientOptedOut,
    /// <summary>Template missing, not approved, paused, or its parameters do not match.</summary>
    TemplateProblem,
    /// <summary>Credentials wrong, expired or without permission.</summary>
    Unauthorized,
    /// <summary>The request itself was wrong (a bug on our side, or bad media).</summary>
    InvalidRequest,
    /// <summary>The provider failed or was unreachable (5xx): retry later.</summary>
    ProviderUnavailable,
    Other,
}

/// <summary>A provider's error: its own code and text, and what it means for us.</summary>
public sealed record ProviderError(string Code, string Message, FailureReason Reason);

/// <summary>
/// The provider answered and did not accept the message. <see cref="IsRetryable"/> (429, 5xx)
/// says the same request may be sent again, after <see cref="RetryAfter"/> when the provider said.
/// </summary>
public sealed class ChannelSendException(ProviderError error, int httpStatus, TimeSpan? retryAfter = null)
    : Exception($"{error.Reason}: provider error {error.Code} (HTTP {httpStatus}): {error.Message}")
{
    public ProviderError Error { get; } = error;
    public int HttpStatus { get; } = httpStatus;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public bool IsRetryable => HttpStatus == 429 || HttpStatus >= 500 || Error.Reason is FailureReason.RateLimited or FailureReason.ProviderUnavailable;
}

/// <summary>
/// The request may have reached the provider but no answer came back (time-out, connection
/// lost after sending). It must not be resent blindly: the message is marked and reconciled
/// from the provider's status callback.
/// </summary>
public sealed class SendOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner);
