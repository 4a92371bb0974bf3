namespace Functions.Channels.Meta;

/// <summary>
/// Where the Graph API is, which version the client is pinned to, and how long one request may
/// take. Bindable from configuration; <see cref="MetaClient"/> validates and copies the values
/// when it is created, so changing an instance later has no effect on an existing client.
/// </summary>
public sealed class MetaClientOptions
{
    /// <summary>
    /// The Graph API version every request is pinned to. v25.0 was released on 2026-02-18 and
    /// Meta's changelog lists it as available until 2028-07-29 (v26.0, from 2026-07-29, is newer
    /// but unverified here). Between v23.0 and v25.0 the fields used here stayed; v24.0 put
    /// <c>message_status</c> inside <c>messages[]</c> (where it is read) and v25.0 added
    /// business-scoped user ids (which the parser accepts). Bump deliberately, with the tests.
    /// </summary>
    public const string DefaultApiVersion = "v25.0";

    public Uri BaseUrl { get; set; } = new("https://graph.facebook.com");

    /// <summary>A path segment like <c>v25.0</c>.</summary>
    public string ApiVersion { get; set; } = DefaultApiVersion;

    /// <summary>
    /// The longest one request may take, from sending to the end of the answer. A send that runs
    /// out of time is reported as <see cref="SendOutcomeUnknownException"/>, never resent.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Graph URL of a node, e.g. <c>https://graph.facebook.com/v25.0/{id}</c>, or an edge of it.</summary>
    internal static Uri NodeUrl(Uri baseUrl, string apiVersion, string nodeId, string? edge = null)
    {
        var root = baseUrl.AbsoluteUri.TrimEnd('/');
        var path = edge is null ? $"{apiVersion}/{Uri.EscapeDataString(nodeId)}" : $"{apiVersion}/{Uri.EscapeDataString(nodeId)}/{edge}";
        return new Uri($"{root}/{path}", UriKind.Absolute);
    }

    internal void Validate(string paramName)
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttps && BaseUrl.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(BaseUrl.Query) || !string.IsNullOrEmpty(BaseUrl.Fragment))
        {
            throw new ArgumentException("MetaClientOptions.BaseUrl must be an absolute http(s) URL without query or fragment.", paramName);
        }
        if (string.IsNullOrEmpty(ApiVersion) || !System.Text.RegularExpressions.Regex.IsMatch(ApiVersion, @"^v[0-9]{1,3}\.[0-9]{1,3}$"))
        {
            throw new ArgumentException("MetaClientOptions.ApiVersion must look like 'v25.0'.", paramName);
        }
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("MetaClientOptions.Timeout must be positive (or infinite).", paramName);
        }
    }
}
