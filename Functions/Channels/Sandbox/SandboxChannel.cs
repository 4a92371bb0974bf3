using Functions.Channels.Meta;
using Functions.Channels.Twilio;
using Functions.Storage;
using Functions.Tenants;
using Functions.Webhooks;
using Microsoft.Extensions.Options;

namespace Functions.Channels.Sandbox;

/// <summary>
/// The provider for tenants without a provider account (<see cref="ProviderSettings.SandboxType"/>):
/// nothing leaves the app. A send is checked as a provider would check it, recorded in
/// <c>SandboxMessages</c>, and answered with an <c>sbx…</c> id and status Sent; its statuses then
/// arrive the way real providers' callbacks do, as sandbox webhook events in the
/// <see cref="WebhookInbox"/>, processed by the same queue function: <c>sent</c> at once,
/// <c>delivered</c> after <see cref="SandboxOptions.DeliveredAfter"/> and <c>read</c> after
/// <see cref="SandboxOptions.ReadAfter"/>. A developer simulates a customer's message with
/// <see cref="ReceiveAsync"/> (<c>POST /api/sandbox/inbound</c>). Thread-safe.
/// </summary>
/// <remarks>
/// <para>Simulated failures, chosen by the last four digits of the recipient's number:</para>
/// <list type="table">
/// <item><term>…0429</term><description><see cref="ChannelSendException"/>: RateLimited, HTTP 429, RetryAfter 1 s (retryable). Nothing recorded.</description></item>
/// <item><term>…0500</term><description><see cref="ChannelSendException"/>: ProviderUnavailable, HTTP 500 (retryable). Nothing recorded.</description></item>
/// <item><term>…0404</term><description><see cref="ChannelSendException"/>: InvalidRecipient (not a WhatsApp user), HTTP 400, not retryable. Nothing recorded.</description></item>
/// <item><term>…0408</term><description><see cref="SendOutcomeUnknownException"/> (a time-out), yet the message is recorded and its
/// sent, delivered and read statuses come as usual, so reconciliation from callbacks can be tried.</description></item>
/// <item><term>…0131</term><description>Accepted (status Sent), then a <c>failed</c> status with a <see cref="ProviderError"/>
/// of reason InvalidRecipient (undeliverable) instead of delivered and read.</description></item>
/// </list>
/// <para>A message is checked with the Meta Cloud API client's rules (E.164 <c>To</c>, the content its
/// <see cref="MessageKind"/> needs, at most 3 buttons, …), so what the sandbox takes, that client
/// takes too: a malformed message is an <see cref="ArgumentException"/>. A text over 4096 characters
/// is refused the way WhatsApp refuses it: <see cref="ChannelSendException"/> InvalidRequest, HTTP 400.</para>
/// <para>Storage failures propagate. Once a message is recorded its statuses are scheduled even if the
/// caller cancels meanwhile, as a provider that accepted a message reports on it. The status events
/// are stored at send time and processed when due, so their <c>ReceivedOn</c> is the send time and
/// the time in their body is when they happen. Logs carry ids, kinds and masked numbers only.</para>
/// </remarks>
public sealed partial class SandboxChannel(
    ITableStore tables, WebhookInbox inbox, IOptions<SandboxOptions> options, TimeProvider time, ILogger<SandboxChannel> logger)
{
    public const string ProviderName = ProviderSettings.SandboxType;

    /// <summary>WhatsApp's limit on a text message's body.</summary>
    public const int MaxTextLength = 4096;

    /// <summary>The endings of recipient numbers that simulate failures (see the remarks).</summary>
    public static class Numbers
    {
        public const string RateLimited = "0429";
        public const string Unavailable = "0500";
        public const string NotOnWhatsApp = "0404";
        public const string OutcomeUnknown = "0408";
        public const string Undeliverable = "0131";
    }

    /// <summary>Where the sandbox's webhook events say they came from (they have no real URL).</summary>
    public static readonly Uri StatusEventUrl = new("urn:sandbox:status");

    /// <inheritdoc cref="StatusEventUrl"/>
    public static readonly Uri InboundEventUrl = new("urn:sandbox:inbound");

    private const string JsonContentType = "application/json";

    /// <summary>Records the send and schedules its status events; returns the sandbox's message id and status Sent.</summary>
    /// <exception cref="ArgumentException">The message is malformed: not E.164, or without the content its kind needs.</exception>
    /// <exception cref="ChannelSendException">A simulated refusal (numbers ending 0429, 0500, 0404), or a text over 4096 characters.</exception>
    /// <exception cref="SendOutcomeUnknownException">A simulated time-out (numbers ending 0408); the message was recorded and its statuses follow.</exception>
    public async Task<SendReceipt> SendAsync(string tenantId, OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentNullException.ThrowIfNull(message);
        MetaMessagePayload.Message(message); // the checks only; ArgumentException names the field
        var to = E164.Mask(message.To);
        if (Refusal(message) is { } refusal)
        {
            LogRefused(logger, to, refusal.HttpStatus, refusal.Error.Code, refusal.Error.Reason, null);
            throw refusal;
        }

        var now = time.GetUtcNow();
        var ending = message.To[^4..];
        var outcome = ending switch
        {
            Numbers.Undeliverable => SandboxOutcome.Failed,
            Numbers.OutcomeUnknown => SandboxOutcome.OutcomeUnknown,
            _ => SandboxOutcome.Read,
        };
        var sent = SandboxMessage.Of(SandboxMessage.NewId(now), message, now, outcome);
        await tables.InsertAsync(SandboxMessage.Table, sent.ToEntity(tenantId), cancellationToken);

        // Accepted: from here on the statuses come, whatever the caller does.
        await ScheduleStatusesAsync(tenantId, sent, CancellationToken.None);
        LogAccepted(logger, sent.Id, message.Kind, to, outcome, null);
        if (outcome == SandboxOutcome.OutcomeUnknown)
        {
            throw new SendOutcomeUnknownException(
                $"The sandbox simulates a time-out for numbers ending {Numbers.OutcomeUnknown}: the message was accepted as {sent.Id}, but the sender is not told; its status events follow.");
        }
        return new SendReceipt(sent.Id, DeliveryStatus.Sent);
    }

    /// <summary>
    /// Stores a simulated customer message as a sandbox webhook event (processed like a provider's).
    /// <paramref name="message"/> is already checked; its provider must be the sandbox.
    /// </summary>
    public Task<WebhookEvent> ReceiveAsync(string tenantId, InboundMessageEvent message, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentNullException.ThrowIfNull(message);
        if (message.Provider != ProviderName)
        {
            throw new ArgumentException($"The message's provider must be '{ProviderName}'.", nameof(message));
        }
        return inbox.AcceptAsync(tenantId, ProviderName, InboundEventUrl, JsonContentType, SandboxWebhookBody.Message(message).ToUtf8(), cancellationToken);
    }

    /// <summary>The tenant's recorded sends, newest first.</summary>
    /// <exception cref="ArgumentException">The continuation token is not one this store gave.</exception>
    public async Task<SandboxMessagePage> ListAsync(string tenantId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var page = await tables.QueryAsync(SandboxMessage.Table, new TableQuery(tenantId) { Top = pageSize }, continuationToken, cancellationToken);
        return new SandboxMessagePage([.. page.Entities.Select(SandboxMessage.FromEntity)], page.ContinuationToken);
    }

    /// <summary>Finds one recorded send by its id, or null.</summary>
    public async Task<SandboxMessage?> FindAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        id is { Length: > 3 and <= 64 } && id.StartsWith("sbx", StringComparison.Ordinal) && id.All(char.IsAsciiLetterOrDigit)
        && await tables.GetEntityIfExistsAsync(SandboxMessage.Table, tenantId, id, cancellationToken) is { } row
            ? SandboxMessage.FromEntity(row)
            : null;

    private static ChannelSendException? Refusal(OutboundMessage message) => message.To[^4..] switch
    {
        Numbers.RateLimited => new ChannelSendException(
            new ProviderError("sandbox_rate_limited", $"The sandbox simulates a rate limit for numbers ending {Numbers.RateLimited}.", FailureReason.RateLimited),
            StatusCodes.Status429TooManyRequests, TimeSpan.FromSeconds(1)),
        Numbers.Unavailable => new ChannelSendException(
            new ProviderError("sandbox_unavailable", $"The sandbox simulates a provider failure for numbers ending {Numbers.Unavailable}.", FailureReason.ProviderUnavailable),
            StatusCodes.Status500InternalServerError),
        Numbers.NotOnWhatsApp => new ChannelSendException(
            new ProviderError("sandbox_not_whatsapp_user", $"The sandbox simulates a number that is not on WhatsApp for numbers ending {Numbers.NotOnWhatsApp}.", FailureReason.InvalidRecipient),
            StatusCodes.Status400BadRequest),
        _ when message.Kind == MessageKind.Text && message.Text!.Length > MaxTextLength => new ChannelSendException(
            new ProviderError("sandbox_text_too_long", $"A text message is at most {MaxTextLength} characters; this one has {message.Text.Length}.", FailureReason.InvalidRequest),
            StatusCodes.Status400BadRequest),
        _ => null,
    };

    private async Task ScheduleStatusesAsync(string tenantId, SandboxMessage sent, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await ReportAsync(tenantId, sent, DeliveryStatus.Sent, TimeSpan.Zero, null, cancellationToken);
        if (sent.Outcome == SandboxOutcome.Failed)
        {
            var error = new ProviderError("sandbox_undeliverable",
                $"The sandbox simulates a message that could not be delivered for numbers ending {Numbers.Undeliverable}.", FailureReason.InvalidRecipient);
            await ReportAsync(tenantId, sent, DeliveryStatus.Failed, settings.DeliveredAfter, error, cancellationToken);
            return;
        }
        await ReportAsync(tenantId, sent, DeliveryStatus.Delivered, settings.DeliveredAfter, null, cancellationToken);
        await ReportAsync(tenantId, sent, DeliveryStatus.Read, settings.ReadAfter, null, cancellationToken);
    }

    private Task ReportAsync(string tenantId, SandboxMessage sent, DeliveryStatus status, TimeSpan after, ProviderError? error, CancellationToken cancellationToken)
    {
        var body = SandboxWebhookBody.Status(new MessageStatusEvent(ProviderName, sent.Id, status, sent.SentOn + after)
        {
            Recipient = sent.To,
            ClientReference = sent.ClientReference,
            Error = error,
        });
        return inbox.AcceptAsync(tenantId, ProviderName, StatusEventUrl, JsonContentType, body.ToUtf8(), after, cancellationToken);
    }

    [LoggerMessage(1, LogLevel.Information, "Sandbox accepted {Kind} message {MessageId} to {To}; it will end {Outcome}.")]
    private static partial void LogAccepted(ILogger logger, string messageId, MessageKind kind, string to, SandboxOutcome outcome, Exception? exception);

    [LoggerMessage(2, LogLevel.Warning, "Sandbox refused a message to {To}: HTTP {HttpStatus}, code {Code} ({Reason}).")]
    private static partial void LogRefused(ILogger logger, string to, int httpStatus, string code, FailureReason reason, Exception? exception);
}
