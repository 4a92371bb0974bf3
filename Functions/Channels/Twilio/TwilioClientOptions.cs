namespace Functions.Channels.Twilio;

/// <summary>Settings for <see cref="TwilioClient"/> and <see cref="TwilioContentClient"/>.</summary>
public sealed class TwilioClientOptions
{
    /// <summary>Where the REST API lives. A setting so tests (and a proxy, if ever needed) can point elsewhere.</summary>
    public Uri BaseUrl { get; init; } = new("https://api.twilio.com");

    /// <summary>Where the Content API lives (templates and their WhatsApp approval); a separate host from <see cref="BaseUrl"/>.</summary>
    public Uri ContentBaseUrl { get; init; } = new("https://content.twilio.com");

    /// <summary>
    /// How long one send may take, from connecting to reading the whole answer. When it runs out
    /// the request may already have reached Twilio, so the send fails with
    /// <see cref="SendOutcomeUnknownException"/>, never a retryable error.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock used to turn a <c>Retry-After</c> date into a delay.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{nameof(TwilioClientOptions)}.{nameof(BaseUrl)} must be an absolute http(s) URL.", "options");
        }
        if (ContentBaseUrl is null || !ContentBaseUrl.IsAbsoluteUri || (ContentBaseUrl.Scheme != Uri.UriSchemeHttps && ContentBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"{nameof(TwilioClientOptions)}.{nameof(ContentBaseUrl)} must be an absolute http(s) URL.", "options");
        }
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{nameof(TwilioClientOptions)}.{nameof(Timeout)} must be positive.", "options");
        }
        if (TimeProvider is null)
        {
            throw new ArgumentException($"{nameof(TwilioClientOptions)}.{nameof(TimeProvider)} is required.", "options");
        }
    }
}
