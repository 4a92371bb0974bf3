using Microsoft.AspNetCore.Http;
using System.Security.Cryptography;
using System.Text;

namespace Functions.Channels.Twilio;

/// <summary>
/// Checks <c>X-Twilio-Signature</c>: Base64 of HMAC-SHA1, keyed with the account's auth token,
/// over the URL Twilio called followed by every POST parameter's name and value, sorted by name
/// (ordinal) and, for a repeated name, by value — the algorithm of Twilio's webhook-security page
/// and its SDKs' request validators.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>URL.</b> It must be the public URL exactly as Twilio called it (scheme, host, path,
/// query, same escaping), not what a proxy forwarded: build it from the configured public base.
/// <see cref="Uri.OriginalString"/> is used, so <see cref="Uri"/>'s own normalisation does not
/// change what is hashed.</item>
/// <item><b>Ports.</b> Twilio is inconsistent about signing with or without the port, so, like
/// Twilio's SDKs (twilio-python and twilio-csharp <c>RequestValidator</c>), the URL is tried as
/// given, without its port, and with the scheme's default port (443/80) when it has none.</item>
/// <item><b>Form POSTs</b> (what Messaging sends): the raw body is decoded as a form; repeated
/// keys each count.</item>
/// <item><b>GET</b>: parameters are in the query, which is part of the URL, so the URL alone is signed.</item>
/// <item><b>JSON bodies</b>: the URL carries <c>bodySHA256</c> (hex SHA-256 of the raw body);
/// the URL alone is signed and the hash is checked against the body.</item>
/// </list>
/// Comparisons are constant-time (<see cref="CryptographicOperations.FixedTimeEquals"/>).
/// </remarks>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>The signature Twilio would send for this URL and these form parameters.</summary>
    public static string Compute(string authToken, Uri url, IEnumerable<KeyValuePair<string, string>> formParameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);
        if (!url.IsAbsoluteUri)
        {
            throw new ArgumentException("The URL must be absolute: the public URL Twilio called.", nameof(url));
        }
        return Compute(Encoding.UTF8.GetBytes(authToken), url.OriginalString, [.. formParameters]);
    }

    /// <summary>True when the request carries a valid <c>X-Twilio-Signature</c> for this auth token.</summary>
    public static bool IsValid(string authToken, WebhookRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Header(HeaderName);
        if (string.IsNullOrEmpty(header) || !request.PublicUrl.IsAbsoluteUri)
        {
            return false;
        }

        var url = request.PublicUrl.OriginalString;
        List<KeyValuePair<string, string>> parameters;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        {
            parameters = [];
        }
        else if (BodyHash(url) is { } expectedHash)
        {
            if (!FixedTimeEquals(Convert.ToHexStringLower(SHA256.HashData(request.Body)), expectedHash.ToLowerInvariant()))
            {
                return false;
            }
            parameters = [];
        }
        else
        {
            parameters = TwilioForm.Parse(request.Body);
        }

        var key = Encoding.UTF8.GetBytes(authToken);
        var valid = false;
        foreach (var candidate in UrlVariants(url))
        {
            // No early exit: every variant is computed and compared.
            valid |= FixedTimeEquals(Compute(key, candidate, parameters), header);
        }
        return valid;
    }

    private static string Compute(byte[] key, string url, List<KeyValuePair<string, string>> parameters)
    {
        parameters.Sort(static (a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        var data = new StringBuilder(url);
        foreach (var (name, value) in parameters)
        {
            data.Append(name).Append(value);
        }
        return Convert.ToBase64String(HMACSHA1.HashData(key, Encoding.UTF8.GetBytes(data.ToString())));
    }

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

    /// <summary>The <c>bodySHA256</c> query parameter, or null.</summary>
    private static string? BodyHash(string url)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return null;
        }
        var end = url.IndexOf('#', query);
        var pairs = TwilioForm.Parse(end < 0 ? url[(query + 1)..] : url[(query + 1)..end]);
        return pairs.FirstOrDefault(p => p.Key == "bodySHA256").Value;
    }

    /// <summary>The URL as given, without its port, and with the default port when it has none (distinct).</summary>
    internal static IReadOnlyList<string> UrlVariants(string url)
    {
        var variants = new List<string> { url };
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return variants;
        }
        var scheme = url[..schemeEnd];
        var hostStart = schemeEnd + 3;
        var hostEnd = url.IndexOfAny(['/', '?', '#'], hostStart);
        if (hostEnd < 0)
        {
            hostEnd = url.Length;
        }
        var authority = url[hostStart..hostEnd];
        var portColon = authority.LastIndexOf(':');
        if (portColon >= 0 && portColon > authority.LastIndexOf(']'))
        {
            variants.Add(url[..(hostStart + portColon)] + url[hostEnd..]);
        }
        else if (scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("http", StringComparison.OrdinalIgnoreCase))
        {
            var port = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? ":443" : ":80";
            variants.Add(url[..hostEnd] + port + url[hostEnd..]);
        }
        return variants;
    }
}
