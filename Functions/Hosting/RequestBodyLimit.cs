namespace Functions.Hosting;

/// <summary>
/// Refuses request bodies over the limit with 413 and a problem body, whether the length is
/// declared (Content-Length) or only discovered while reading (chunked). Kestrel enforces the
/// same default; this makes it hold on every server the app runs on, test server included. An
/// endpoint may set its own limit with <c>.WithMetadata(new RequestSizeLimitAttribute(n))</c>.
/// </summary>
internal static class RequestBodyLimit
{
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
            var limit = maxBytes; // per request: an endpoint's own limit must not leak into the next request
            if (context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata>() is { } own)
            {
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server)
                {
                    server.MaxRequestBodySize = own.MaxRequestBodySize; // so Kestrel agrees
                }
                if (own.MaxRequestBodySize is not { } ownLimit)
                {
                    await next(context); // the endpoint takes any size
                    return;
                }
                limit = ownLimit;
            }
            if (context.Request.ContentLength > limit)
            {
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            if (context.Request.ContentLength is null && context.Request.Body.CanRead)
            {
                context.Request.Body = new LimitedStream(context.Request.Body, limit);
            }
            await next(context);
        });

    private sealed class LimitedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > maxBytes
                ? throw new BadHttpRequestException($"The request body is larger than {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge)
                : read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
