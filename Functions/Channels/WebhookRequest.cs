namespace Functions.Channels;

/// <summary>
/// A webhook as it arrived, before anything is trusted: the public URL the provider called
/// (what Twilio signs), the headers, and the raw body bytes (what Meta signs).
/// </summary>
public sealed record WebhookRequest(Uri PublicUrl, string Method, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>A header by name, ignoring case, or null.</summary>
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
