using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Reads a storage error's code and message: the <c>x-ms-error-code</c> header first, then the body,
/// JSON <c>{"odata.error":{"code","message":{"value"}}}</c> (Table) or XML <c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;</c> (Queue).
/// </summary>
internal sealed class StorageErrorParser : RequestFailedDetailsParser
{
    public static readonly StorageErrorParser Instance = new();

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        response.Headers.TryGetValue("x-ms-error-code", out var code);
        var (bodyCode, message) = ReadBody(response);
        code ??= bodyCode;
        error = code is null && message is null ? null : new ResponseError(code, message ?? response.ReasonPhrase);
        return error is not null;
    }

    /// <summary>Code and message from an error body of either format, or nulls.</summary>
    internal static (string? Code, string? Message) ReadBody(Response response)
    {
        var body = response.Content;
        if (body is null || body.ToMemory().IsEmpty)
        {
            return (null, null);
        }
        var text = body.ToString().TrimStart();
        try
        {
            if (text.StartsWith('{'))
            {
                return ReadJson(text);
            }
            if (text.StartsWith('<'))
            {
                var root = XDocument.Parse(text).Root;
                return (root?.Element("Code")?.Value, root?.Element("Message")?.Value);
            }
        }
        catch (Exception ex) when (ex is JsonException or XmlException)
        {
            // Not a storage error body: the status still tells the caller what happened.
        }
        return (null, null);
    }

    internal static (string? Code, string? Message) ReadJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object
            || !(doc.RootElement.TryGetProperty("odata.error", out var err) || doc.RootElement.TryGetProperty("error", out err)))
        {
            return (null, null);
        }
        var code = err.TryGetProperty("code", out var c) ? c.GetString() : null;
        string? message = null;
        if (err.TryGetProperty("message", out var m))
        {
            message = m.ValueKind == JsonValueKind.Object
                ? m.TryGetProperty("value", out var v) ? v.GetString() : null
                : m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        return (code, message);
    }
}
