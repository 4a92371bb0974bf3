using System.Net;
using System.Net.Http.Headers;
using Functions.Hosting;

namespace Functions.Templates;

/// <summary>A media header's example file as fetched: its bytes, its media type (from the answer) and a file name (from the URL).</summary>
public sealed record MediaExample(byte[] Content, string ContentType, string FileName);

/// <summary>The example file could not be fetched or is not usable; the message says why (never any credentials: the URL is public).</summary>
public sealed class MediaExampleException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches a template's <see cref="TemplateHeader.MediaExampleUrl"/> (a public http(s) URL) so it can
/// be uploaded to a provider that takes only files: one GET, at most <see cref="MaxBytes"/> bytes,
/// within <see cref="Timeout"/>, the media type from the answer's <c>Content-Type</c>. No cookies,
/// no credentials; logs nothing. <see cref="CreateHttpClient"/> builds the client the app uses,
/// which connects to public addresses only.
/// </summary>
public sealed class MediaExampleFetcher(HttpClient http)
{
    /// <summary>The largest file fetched (Meta's largest example, a 16 MB video).</summary>
    public int MaxBytes { get; init; } = 16 * 1024 * 1024;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <exception cref="MediaExampleException">Not an http(s) URL, no answer in time, an error status, no media type, an empty or oversized file, or a refused address.</exception>
    public async Task<MediaExample> FetchAsync(string url, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new MediaExampleException("The header's example URL is not an absolute http(s) URL.");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new MediaExampleException($"The header's example file could not be fetched: {uri.Host} answered HTTP {(int)response.StatusCode}.");
            }
            if (response.Content.Headers.ContentType?.MediaType is not { Length: > 0 } mediaType)
            {
                throw new MediaExampleException("The header's example file came without a Content-Type, so its kind is unknown.");
            }
            if (response.Content.Headers.ContentLength is { } length && length > MaxBytes)
            {
                throw new MediaExampleException(TooLarge(length));
            }
            var content = await ReadLimitedAsync(response.Content, deadline.Token).ConfigureAwait(false);
            if (content.Length == 0)
            {
                throw new MediaExampleException("The header's example file is empty.");
            }
            return new MediaExample(content, mediaType.ToLowerInvariant(), FileName(uri));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MediaExampleException($"The header's example file did not arrive within {Timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            throw new MediaExampleException($"The header's example file could not be fetched from {uri.Host} ({e.HttpRequestError}).", e);
        }
    }

    private async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new MediaExampleException(TooLarge(null));
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private string TooLarge(long? length) =>
        $"The header's example file is {(length is { } l ? $"{l} bytes" : "too large")}; at most {MaxBytes / (1024 * 1024)} MB is fetched.";

    private static string FileName(Uri uri)
    {
        var last = Uri.UnescapeDataString(uri.Segments[^1]).Trim('/', ' ');
        var safe = new string([.. last.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')]);
        return safe.Length is > 0 and <= 200 ? safe : "example";
    }

    /// <summary>
    /// The app's client: no cookies, at most 3 redirects (never https to http), and connections to
    /// public addresses only unless <paramref name="allowPrivateNetworks"/> (tests, whose fakes are on 127.0.0.1),
    /// so a tenant's URL cannot reach the app's own network.
    /// </summary>
    public static HttpClient CreateHttpClient(bool allowPrivateNetworks)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 3,
        };
        if (!allowPrivateNetworks)
        {
            handler.ConnectCallback = PublicNetwork.ConnectAsync;
        }
        var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        return client;
    }
}
