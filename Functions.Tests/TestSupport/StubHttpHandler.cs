using System.Net;
using System.Text;
using Azure.Core.Pipeline;

namespace Functions.Tests.TestSupport;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that records each request as it would go on the wire and answers
/// from a script; plug it in with <see cref="Transport"/> (<c>options.Transport</c>).
/// </summary>
public sealed class StubHttpHandler(Func<RecordedRequest, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly List<RecordedRequest> _requests = [];

    public StubHttpHandler(HttpStatusCode status, string? body = null, params (string Name, string Value)[] headers)
        : this(_ => Response(status, body, headers))
    {
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public HttpClientTransport Transport => new(new HttpClient(this));

    public static HttpResponseMessage Response(HttpStatusCode status, string? body = null, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(body ?? "") };
        response.Content.Headers.ContentType = null;
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>()))
        {
            headers[name] = string.Join(",", values);
        }
        var body = request.Content is null ? "" : Encoding.UTF8.GetString(await request.Content.ReadAsByteArrayAsync(cancellationToken));
        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!, headers, body);
        lock (_requests)
        {
            _requests.Add(recorded);
        }
        return respond(recorded);
    }
}

/// <summary>One request as sent: <see cref="Uri"/>'s <c>PathAndQuery</c> is what went on the request line.</summary>
public sealed record RecordedRequest(string Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>A clock that reads a fixed time, then moves on by <paramref name="step"/> each read.</summary>
public sealed class SteppingTimeProvider(DateTimeOffset start, TimeSpan step = default) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        var now = _now;
        _now += step;
        return now;
    }
}
