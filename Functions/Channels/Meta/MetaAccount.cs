namespace Functions.Channels.Meta;

/// <summary>
/// One WhatsApp business number on Meta's Cloud API and the secrets that go with it: the
/// phone number id messages are sent from, its WhatsApp Business Account (WABA) id, the
/// (system user) access token sent as <c>Authorization: Bearer</c>, the Meta app's secret
/// that signs webhooks (<c>X-Hub-Signature-256</c>), and the verify token we chose for the
/// webhook subscription GET. <see cref="ToString"/> never shows the token or the secrets.
/// </summary>
public sealed record MetaAccount
{
    /// <exception cref="ArgumentException">A value is missing or malformed; the message names the field, never its value.</exception>
    public MetaAccount(string phoneNumberId, string businessAccountId, string accessToken, string appSecret, string verifyToken)
    {
        PhoneNumberId = RequireGraphId(phoneNumberId, nameof(phoneNumberId), nameof(PhoneNumberId));
        BusinessAccountId = RequireGraphId(businessAccountId, nameof(businessAccountId), nameof(BusinessAccountId));
        AccessToken = RequireSecret(accessToken, nameof(accessToken), nameof(AccessToken));
        AppSecret = RequireSecret(appSecret, nameof(appSecret), nameof(AppSecret));
        VerifyToken = RequireSecret(verifyToken, nameof(verifyToken), nameof(VerifyToken));
    }

    /// <summary>The Graph id of the business phone number (not the number itself); part of the send URL.</summary>
    public string PhoneNumberId { get; }

    /// <summary>The WhatsApp Business Account (WABA) id; webhook entries carry it as <c>entry[].id</c>.</summary>
    public string BusinessAccountId { get; }

    public string AccessToken { get; }

    public string AppSecret { get; }

    public string VerifyToken { get; }

    /// <summary>
    /// The Meta app's id (digits; not a secret), or null. Only the Resumable Upload API needs it
    /// (<c>POST /{app-id}/uploads</c>), to upload a media header's example file for a template.
    /// </summary>
    /// <exception cref="ArgumentException">Not a Graph id.</exception>
    public string? AppId
    {
        get;
        init => field = value is null ? null : RequireGraphId(value, nameof(AppId), nameof(AppId));
    }

    public override string ToString() =>
        $"MetaAccount {{ PhoneNumberId = {PhoneNumberId}, BusinessAccountId = {BusinessAccountId}, AppId = {AppId} }}";

    private static string RequireGraphId(string? value, string paramName, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"Meta account {field} is required.", paramName);
        }
        if (value.Length > 32 || !value.All(char.IsAsciiDigit))
        {
            throw new ArgumentException($"Meta account {field} must be a Graph id: digits only (the id, not the phone number).", paramName);
        }
        return value;
    }

    private static string RequireSecret(string? value, string paramName, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"Meta account {field} is required.", paramName);
        }
        // A token goes into a header and a secret into HMAC input: stray whitespace or control
        // characters are always a paste error, and a newline in a header would be an injection.
        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"Meta account {field} must not contain spaces, line breaks or control characters.", paramName);
        }
        return value;
    }
}
