using System.Net;

namespace Benchmarks;

/// <summary>
/// Records Azurite's answer to the latest request of each HTTP method, then, once
/// <see cref="Replaying"/> is set, answers every request of that method with it, without the
/// network. Driving the real client through it measures what a request costs on our side:
/// pipeline, signing, serialisation and parsing.
/// </summary>
public sealed class ReplayHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Dictionary<HttpMethod, Recorded> _recorded = [];

    public bool Replaying { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Replaying)
        {
            if (request.Content is not null)
            {
                await request.Content.LoadIntoBufferAsync(cancellationToken); // as if sent
            }
            return _recorded.TryGetValue(request.Method, out var replay)
                ? replay.ToResponse(request)
                : throw new InvalidOperationException($"No recorded answer for {request.Method}.");
        }

        using var response = await base.SendAsync(request, cancellationToken);
        var recorded = new Recorded(
            response.StatusCode,
            [.. response.Headers.Select(h => (h.Key, h.Value.ToArray()))],
            [.. response.Content.Headers.Select(h => (h.Key, h.Value.ToArray()))],
            await response.Content.ReadAsByteArrayAsync(cancellationToken));
        _recorded[request.Method] = recorded; // the latest: an insert POST after the create-table POST
        return recorded.ToResponse(request);
    }

    private sealed record Recorded(HttpStatusCode Status, (string Name, string[] Values)[] Headers, (string Name, string[] Values)[] ContentHeaders, byte[] Body)
    {
        public HttpResponseMessage ToResponse(HttpRequestMessage request)
        {
            var response = new HttpResponseMessage(Status) { RequestMessage = request, Content = new ByteArrayContent(Body) };
            foreach (var (name, values) in Headers) response.Headers.TryAddWithoutValidation(name, values);
            foreach (var (name, values) in ContentHeaders) response.Content.Headers.TryAddWithoutValidation(name, values);
            return response;
        }
    }
}
