using System.Net.Http.Headers;

namespace Functions.Channels.Meta;

/// <summary>
/// One Graph API request with the account's Bearer token, under the client's deadline, and what
/// its failures mean: Meta's error body becomes <see cref="ChannelSendException"/>, no answer in
/// time or a connection lost after the request left becomes <see cref="SendOutcomeUnknownException"/>,
/// and a connection that never opened propagates as <see cref="HttpRequestException"/> (nothing
/// was sent). Shared by <see cref="MetaClient"/> and <see cref="MetaTemplateClient"/>; never retries,
/// logs nothing.
/// </summary>
internal sealed class GraphTransport(HttpClient http, TimeSpan timeout)
{
    /// <summary>Graph answers are small; anything larger is cut off rather than buffered.</summary>
    private const int MaxResponseBytes = 256 * 1024;

    /// <param name="body">A JSON body, or null for a GET.</param>
    public Task<GraphAnswer> SendAsync(HttpMethod method, Uri url, string accessToken, byte[]? body, CancellationToken cancellationToken) =>
        SendAsync(method, url, accessToken, body, cancellationToken, "application/json");

    /// <param name="body">The body, or null for none.</param>
    /// <param name="contentType">The body's media type (JSON is sent with <c>charset=utf-8</c>).</param>
    /// <param name="authScheme"><c>Bearer</c>, or <c>OAuth</c> as the Resumable Upload API's file upload is documented.</param>
    /// <param name="headers">Further request headers (names and values are ours, never from an answer).</param>
    public async Task<GraphAnswer> SendAsync(
        HttpMethod method, Uri url, string accessToken, byte[]? body, CancellationToken cancellationToken,
        string contentType, string authScheme = "Bearer", IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = contentType == "application/json"
                ? new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" }
                : new MediaTypeHeaderValue(contentType);
        }
        request.Headers.Authorization = new AuthenticationHeaderValue(authScheme, accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
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
            throw new SendOutcomeUnknownException($"Meta did not answer within {timeout.TotalSeconds:0.###} s; the request may have been processed.", e);
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
}

/// <summary>What Graph answered: the HTTP status, <c>Retry-After</c> when given, and the (size-limited) body.</summary>
internal sealed record GraphAnswer(int Status, TimeSpan? RetryAfter, byte[] Body)
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
