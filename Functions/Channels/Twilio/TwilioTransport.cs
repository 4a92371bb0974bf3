using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Functions.Channels.Twilio;

/// <summary>
/// One Twilio request with the account's Basic auth, under the client's time-out, and what its
/// failures mean. Shared by <see cref="TwilioClient"/> (Messages API) and <see cref="TwilioContentClient"/>
/// (Content API); never retries.
/// <list type="bullet">
/// <item>A non-2xx answer: <see cref="ChannelSendException"/> with Twilio's code and message
/// classified by <see cref="TwilioErrors"/>, and <c>Retry-After</c> when given.</item>
/// <item>A connection that never opened (refused, DNS, TLS): nothing reached Twilio, so a retryable
/// <see cref="ChannelSendException"/> with <see cref="FailureReason.ProviderUnavailable"/> and HTTP status 0.</item>
/// <item>No answer in time, or a connection lost after the request may have left:
/// <see cref="SendOutcomeUnknownException"/>.</item>
/// <item>The caller's own cancellation: <see cref="OperationCanceledException"/> with the caller's token.</item>
/// </list>
/// Failures are logged (warning) with the account SID and the caller's <c>what</c>; never bodies,
/// tokens or full numbers.
/// </summary>
internal sealed partial class TwilioTransport(HttpClient http, TwilioClientOptions options, ILogger logger)
{
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    /// <summary>
    /// Sends <paramref name="request"/> (the caller builds and disposes it; Basic auth and
    /// <c>Accept: application/json</c> are added here) and returns a 2xx answer's status and body.
    /// </summary>
    /// <param name="what">What the request is, for logs and exception messages, e.g. "message to +4670****567"
    /// or "content create". Never a full number or a secret.</param>
    /// <exception cref="ChannelSendException">Twilio refused the request, or could not be reached at all.</exception>
    /// <exception cref="SendOutcomeUnknownException">The request may have reached Twilio but no answer came back.</exception>
    public async Task<(int Status, byte[] Body)> SendAsync(TwilioAccount account, HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        var (user, password) = account.BasicCredentials;
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        request.Headers.Accept.Add(Json);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        HttpResponseMessage response;
        try
        {
            // ResponseContentRead: the body is read under the same time-out.
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The caller's own cancellation, reported with the caller's token (not our linked one).
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (OperationCanceledException ex)
        {
            // Our time-out (or HttpClient.Timeout): the request may be at Twilio already.
            LogOutcomeUnknown(logger, account.AccountSid, what, "no answer in time", null);
            throw new SendOutcomeUnknownException($"Twilio did not answer the {what} within {options.Timeout.TotalSeconds:0.###} s; it may or may not have been processed.", ex);
        }
        catch (HttpRequestException ex) when (NothingWasSent(ex))
        {
            LogUnreachable(logger, account.AccountSid, what, ex.HttpRequestError.ToString(), null);
            throw new ChannelSendException(
                new ProviderError(ex.HttpRequestError.ToString(), $"Could not connect to Twilio: {ex.Message}", FailureReason.ProviderUnavailable),
                httpStatus: 0);
        }
        catch (HttpRequestException ex)
        {
            LogOutcomeUnknown(logger, account.AccountSid, what, ex.HttpRequestError.ToString(), null);
            throw new SendOutcomeUnknownException($"The connection to Twilio failed during the {what} ({ex.HttpRequestError}); it may or may not have been processed.", ex);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(CancellationToken.None).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (status, body);
            }
            var (code, text) = ReadError(body);
            var error = TwilioErrors.ToProviderError(code, text ?? response.ReasonPhrase, status);
            LogRefused(logger, account.AccountSid, what, status, error.Code, error.Reason, null);
            throw new ChannelSendException(error, status, RetryAfter(response, options.TimeProvider));
        }
    }

    /// <summary>
    /// A connection that never opened (refused, no route, DNS, TLS handshake) carried no request,
    /// so repeating it is safe. Everything else may have happened after the request was written.
    /// </summary>
    internal static bool NothingWasSent(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;

    /// <summary>Twilio's error body: <c>{"code": 21211, "message": "…", "more_info": "…", "status": 400}</c>.</summary>
    internal static (int? Code, string? Message) ReadError(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }
            int? code = root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) ? n
                : c.ValueKind == JsonValueKind.String && int.TryParse(c.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m
                : null;
            var message = root.TryGetProperty("message", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return (code, message);
        }
        catch (JsonException)
        {
            return (null, null); // Not Twilio's JSON (a proxy's page): the HTTP status still says enough.
        }
    }

    /// <summary><c>Retry-After</c> as seconds or an HTTP date, never negative; null when absent or unreadable.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }
        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    [LoggerMessage(2, LogLevel.Warning, "Twilio account {AccountSid} refused a {What}: HTTP {HttpStatus}, code {Code} ({Reason}).")]
    private static partial void LogRefused(ILogger logger, string accountSid, string what, int httpStatus, string code, FailureReason reason, Exception? exception);

    [LoggerMessage(3, LogLevel.Warning, "Could not connect to Twilio for account {AccountSid} ({What}, {Error}); nothing was sent.")]
    private static partial void LogUnreachable(ILogger logger, string accountSid, string what, string error, Exception? exception);

    [LoggerMessage(4, LogLevel.Warning, "Twilio account {AccountSid}: the {What} has an unknown outcome: {Why}.")]
    private static partial void LogOutcomeUnknown(ILogger logger, string accountSid, string what, string why, Exception? exception);
}
