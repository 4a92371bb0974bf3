using System.Net.Http.Headers;
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
    /// <summary>Graph answers are small; anything larger is cut off rather than buffered.</summary>
    private const int MaxResponseBytes = 256 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly string _apiVersion;
    private readonly TimeSpan _timeout;

    public MetaClient(HttpClient http, MetaClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        _http = http;
        _baseUrl = options.BaseUrl;
        _apiVersion = options.ApiVersion;
        _timeout = options.Timeout;
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

    private async Task<GraphAnswer> PostMessagesAsync(MetaAccount account, byte[] body, CancellationToken cancellationToken)
    {
        var url = MetaClientOptions.NodeUrl(_baseUrl, _apiVersion, account.PhoneNumberId, "messages");
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", account.AccessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var content = await ReadLimitedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            return new GraphAnswer((int)response.StatusCode, RetryAfter(response.Headers.RetryAfter), content);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            // The caller's own cancellation, named by the caller's token (not our linked one).
            throw new OperationCanceledException("The Meta request was cancelled by the caller.", e, cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            // Our deadline or HttpClient.Timeout: the request may well have reached Meta.
            throw new SendOutcomeUnknownException($"Meta did not answer within {_timeout.TotalSeconds:0.###} s; the request may have been processed.", e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError)
        {
            // No connection, so no request went out: let it propagate as is; a retry is safe.
            throw;
        }
        catch (HttpRequestException e)
        {
            throw new SendOutcomeUnknownException($"The connection to Meta failed ({e.HttpRequestError}) after the request may have been sent.", e);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < MaxResponseBytes && (read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

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

    private sealed record GraphAnswer(int Status, TimeSpan? RetryAfter, byte[] Body)
    {
        public bool IsSuccess => Status is >= 200 and <= 299;

        /// <summary>
        /// <c>{"error":{"message","type","code","error_subcode","error_data":{"messaging_product","details"},"fbtrace_id"}}</c>
        /// becomes a <see cref="ProviderError"/> with Meta's code; an answer without that shape
        /// (a proxy's 502 page) is named by its HTTP status.
        /// </summary>
        public ChannelSendException ToException()
        {
            var error = GraphError.TryParse(Body);
            var providerError = error is null
                ? new ProviderError($"http_{Status}", $"Meta answered HTTP {Status} without a Graph error body.", MetaErrors.ByHttpStatus(Status))
                : new ProviderError(error.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Describe(), MetaErrors.Classify(error.Code, Status));
            return new ChannelSendException(providerError, Status, RetryAfter);
        }
    }
}
