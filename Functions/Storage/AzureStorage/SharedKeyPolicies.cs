using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Signs Table requests with SharedKey: <c>VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedResource</c>,
/// where the resource is <c>/account</c> + the path exactly as sent (so path-style emulator URLs name the
/// account twice) + <c>?comp=</c> if present. Added per retry, so each attempt gets a fresh x-ms-date.
/// </summary>
internal sealed class TableSharedKeyPolicy(AzureNamedKeyCredential credential, TimeProvider? timeProvider = null)
    : HttpPipelineSynchronousPolicy
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = SharedKeySigner.SetDate(request, _time);
        var uri = request.Uri.ToUri();
        var resource = new StringBuilder().Append('/').Append(credential.Name).Append(uri.AbsolutePath);
        foreach (var (name, value) in SharedKeySigner.QueryParameters(uri))
        {
            if (name == "comp")
            {
                resource.Append("?comp=").Append(value);
            }
        }
        var stringToSign = string.Join('\n',
            request.Method.Method,
            SharedKeySigner.Header(request, "Content-MD5"),
            SharedKeySigner.Header(request, "Content-Type"),
            date,
            resource.ToString());
        SharedKeySigner.Authorize(request, credential, stringToSign);
    }
}

/// <summary>
/// Signs Queue requests with SharedKey: the verb, eleven standard header lines (Content-Length empty
/// when 0, Date empty because x-ms-date is used), the sorted x-ms-* headers, then <c>/account</c> + the
/// path as sent + each query parameter (lowercase name, decoded value, sorted). Added per retry.
/// </summary>
internal sealed class QueueSharedKeyPolicy(AzureNamedKeyCredential credential, TimeProvider? timeProvider = null)
    : HttpPipelineSynchronousPolicy
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        SharedKeySigner.SetDate(request, _time);
        var length = request.Content is { } content && content.TryComputeLength(out var n) && n > 0
            ? n.ToString(CultureInfo.InvariantCulture)
            : "";
        var sb = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(SharedKeySigner.Header(request, "Content-Encoding")).Append('\n')
            .Append(SharedKeySigner.Header(request, "Content-Language")).Append('\n')
            .Append(length).Append('\n')
            .Append(SharedKeySigner.Header(request, "Content-MD5")).Append('\n')
            .Append(SharedKeySigner.Header(request, "Content-Type")).Append('\n')
            .Append(SharedKeySigner.Header(request, "Date")).Append('\n')
            .Append(SharedKeySigner.Header(request, "If-Modified-Since")).Append('\n')
            .Append(SharedKeySigner.Header(request, "If-Match")).Append('\n')
            .Append(SharedKeySigner.Header(request, "If-None-Match")).Append('\n')
            .Append(SharedKeySigner.Header(request, "If-Unmodified-Since")).Append('\n')
            .Append(SharedKeySigner.Header(request, "Range")).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        var uri = request.Uri.ToUri();
        sb.Append('/').Append(credential.Name).Append(uri.AbsolutePath);
        var parameters = SharedKeySigner.QueryParameters(uri)
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in parameters)
        {
            sb.Append('\n').Append(group.Key).Append(':')
              .Append(string.Join(',', group.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }
        SharedKeySigner.Authorize(request, credential, sb.ToString());
    }
}

internal static class SharedKeySigner
{
    public static string SetDate(Request request, TimeProvider time)
    {
        var date = time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        return date;
    }

    public static string Header(Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : "";

    /// <summary>Query parameters with lowercase names and decoded values.</summary>
    public static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : pair[(eq + 1)..];
            yield return (Uri.UnescapeDataString(name).ToLowerInvariant(), Uri.UnescapeDataString(value));
        }
    }

    public static void Authorize(Request request, AzureNamedKeyCredential credential, string stringToSign)
    {
        var (name, key) = credential;
        var signature = Convert.ToBase64String(
            HMACSHA256.HashData(Convert.FromBase64String(key), Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.SetValue("Authorization", $"SharedKey {name}:{signature}");
    }
}

/// <summary>Pins the service version on every attempt.</summary>
internal sealed class StorageVersionPolicy(string version) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message) =>
        message.Request.Headers.SetValue("x-ms-version", version);
}
