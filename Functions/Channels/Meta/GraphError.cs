using System.Text;
using System.Text.Json;

namespace Functions.Channels.Meta;

/// <summary>The fields of a Graph error body this project uses.</summary>
internal sealed record GraphError(int Code, string? Message, string? Details, int? Subcode, string? TraceId, string? UserMessage = null)
{
    public static GraphError? TryParse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind != JsonValueKind.Object
                || !error.TryGetProperty("code", out var code)
                || code.ValueKind != JsonValueKind.Number
                || !code.TryGetInt32(out var codeValue))
            {
                return null;
            }
            string? details = null;
            if (error.TryGetProperty("error_data", out var data) && data.ValueKind == JsonValueKind.Object)
            {
                details = StringOrNull(data, "details");
            }
            int? subcode = error.TryGetProperty("error_subcode", out var sub) && sub.ValueKind == JsonValueKind.Number && sub.TryGetInt32(out var s) ? s : null;
            return new GraphError(codeValue, StringOrNull(error, "message"), details, subcode, StringOrNull(error, "fbtrace_id"), StringOrNull(error, "error_user_msg"));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Meta's message, then its details, then <c>error_user_msg</c> (where Graph explains a refused
    /// template: "There is already English (US) content for this template…"), then the subcode and
    /// the trace id Meta support asks for.
    /// </summary>
    public string Describe()
    {
        var text = new StringBuilder(Message ?? $"Graph error {Code}");
        if (!string.IsNullOrEmpty(Details) && Details != Message)
        {
            text.Append(": ").Append(Details);
        }
        if (!string.IsNullOrEmpty(UserMessage) && UserMessage != Message && UserMessage != Details)
        {
            text.Append(": ").Append(UserMessage);
        }
        if (Subcode is { } subcode)
        {
            text.Append(" (subcode ").Append(subcode).Append(')');
        }
        if (!string.IsNullOrEmpty(TraceId))
        {
            text.Append(" [fbtrace_id ").Append(TraceId).Append(']');
        }
        return text.ToString();
    }

    private static string? StringOrNull(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
