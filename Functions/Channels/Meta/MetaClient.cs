using System.Text.Json;

namespace Functions.Channels.Meta;

/// <summary>
/// The Cloud API calls this project makes: send a message and mark a message read, both
/// <c>POST {BaseUrl}/{ApiVersion}/{PhoneNumberId}/messages</c> with the account's Bearer token.
/// Immutable and thread-safe once created; the caller owns the <see cref="HttpClient"/>.
/// The client never retries: what may be retried is the caller's decision
/// (<see cref="ChannelSendException.IsRetryable"/>), and an unknown outcome is never resent.
/// It logs nothing, so no body, token or phone number can leak through it.
/// </summary>
public sealed class MetaClient
{
    private readonly GraphTransport _graph;
    private readonly Uri _baseUrl;
    private readonly string _apiVersion;

    public MetaClient(HttpClient http, MetaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        _graph = new GraphTransport(http, options.Timeout);
        _baseUrl = options.BaseUrl;
        _apiVersion = options.ApiVersion;
    }

    /// <summary>Sends one message.</summary>
    /// <returns>Meta's message id (<c>wamid.…</c>) with <see cref="DeliveryStatus.Queued"/>: Meta accepted it, delivery comes by webhook.</returns>
    /// <exception cref="ArgumentException">The message's content is missing or not sendable; nothing was sent.</exception>
    /// <exception cref="ChannelSendException">Meta answered with an error (see <see cref="MetaErrors"/>).</exception>
    /// <exception cref="SendOutcomeUnknownException">No usable answer after the request went out: do not resend; reconcile from the status webhook.</exception>
    /// <exception cref="HttpRequestException">No connection could be made, so nothing was sent: safe to retry.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<SendReceipt> SendAsync(MetaAccount account, OutboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(message);
        var body = MetaMessagePayload.Message(message);

        var answer = await PostMessagesAsync(account, body, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            throw answer.ToException();
        }
        return ParseReceipt(answer)
            ?? throw new SendOutcomeUnknownException($"Meta answered HTTP {answer.Status} to a send without a message id; the message may have been sent.");
    }

    /// <summary>
    /// Marks an inbound message (and, per Meta, the earlier ones in the chat) as read: the blue
    /// ticks. Idempotent, so unlike a send it may simply be retried after any failure.
    /// </summary>
    /// <exception cref="ChannelSendException">Meta answered with an error (131009 for an unknown or too old message id).</exception>
    /// <exception cref="SendOutcomeUnknownException">No answer in time.</exception>
    public async Task MarkReadAsync(MetaAccount account, string providerMessageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentException.ThrowIfNullOrEmpty(providerMessageId);
        var answer = await PostMessagesAsync(account, MetaMessagePayload.MarkRead(providerMessageId), cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            throw answer.ToException();
        }
    }

    private Task<GraphAnswer> PostMessagesAsync(MetaAccount account, byte[] body, CancellationToken cancellationToken) =>
        _graph.SendAsync(HttpMethod.Post, MetaClientOptions.NodeUrl(_baseUrl, _apiVersion, account.PhoneNumberId, "messages"), account.AccessToken, body, cancellationToken);

    /// <summary><c>{"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…","message_status":"accepted"}]}</c></summary>
    private static SendReceipt? ParseReceipt(GraphAnswer answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("messages", out var messages)
                && messages.ValueKind == JsonValueKind.Array
                && messages.GetArrayLength() > 0
                && messages[0].ValueKind == JsonValueKind.Object
                && messages[0].TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String
                && id.GetString() is { Length: > 0 } messageId)
            {
                // message_status ("accepted", "held_for_quality_assessment", …) only says Meta holds
                // the message; every such state is still Queued in our terms.
                return new SendReceipt(messageId, DeliveryStatus.Queued);
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
