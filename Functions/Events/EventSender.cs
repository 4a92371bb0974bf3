using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Functions.Hosting;

namespace Functions.Events;

/// <summary>What one POST to a subscriber came to: its HTTP status (null when no answer), the receiver's Retry-After, and why it failed.</summary>
public sealed record SendOutcome(int? StatusCode, TimeSpan? RetryAfter, long DurationMs, string? Error);

/// <summary>
/// Posts one signed event to a subscriber: no redirects followed (a 3xx is an answer: register the
/// final URL), no cookies, within the time-out. The answer's body is not read. <see cref="CreateHttpClient"/>
/// builds the client the app uses, which connects to public addresses only unless told otherwise.
/// </summary>
public sealed class EventSender(HttpClient http, TimeProvider time)
{
    public async Task<SendOutcome> PostAsync(Uri url, byte[] body, IReadOnlyDictionary<string, string> headers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            return new SendOutcome((int)response.StatusCode, RetryAfter(response), Elapsed(started), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(null, null, Elapsed(started), $"No answer within {timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e)
        {
            // The error kind and the host only: a message may quote more than we want in a log.
            return new SendOutcome(null, null, Elapsed(started), $"Could not reach {url.Host} ({e.HttpRequestError}).");
        }
    }

    private static long Elapsed(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>
    /// The app's client: no cookies, no redirects, and connections to public addresses only unless
    /// <paramref name="allowPrivateNetworks"/> (tests, whose receivers are on 127.0.0.1). The check is
    /// made on the addresses the name resolves to at connect time, so a name that later resolves to
    /// a private address (DNS rebinding) is still refused.
    /// </summary>
    public static HttpClient CreateHttpClient(bool allowPrivateNetworks)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
        };
        if (!allowPrivateNetworks)
        {
            handler.ConnectCallback = PublicNetwork.ConnectAsync;
        }
        var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("WhatsAppBusinessEvents", "1.0"));
        return client;
    }

    /// <summary>
    /// Why <paramref name="url"/> cannot be a subscription's URL, or null: an absolute https URL
    /// (http too when https is not required), no user name or password, no fragment, at most 2,000
    /// characters, and, unless private networks are allowed, not <c>localhost</c> nor a private,
    /// loopback or link-local IP literal (names are checked again when connecting).
    /// </summary>
    public static string? UrlProblem(string? url, EventsOptions options)
    {
        if (string.IsNullOrWhiteSpace(url))
            return "The URL is required.";
        if (url.Length > 2000)
            return "The URL is at most 2,000 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            return "The URL is an absolute https URL.";
        if (options.RequireHttps && uri.Scheme != Uri.UriSchemeHttps)
            return "The URL must use https.";
        if (uri.UserInfo.Length > 0)
            return "The URL may not carry a user name or password; check the signature instead.";
        if (uri.Fragment.Length > 0)
            return "The URL may not have a fragment (#…).";
        if (!options.AllowPrivateNetworks)
        {
            var host = uri.IdnHost.TrimEnd('.');
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && !PublicNetwork.IsPublic(address)))
            {
                return "The URL points at a private, loopback or link-local address; events go to public addresses only.";
            }
        }
        return null;
    }
}
