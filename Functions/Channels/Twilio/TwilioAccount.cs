using System.Text.RegularExpressions;

namespace Functions.Channels.Twilio;

/// <summary>
/// One Twilio account as a tenant uses it: who we are (<see cref="AccountSid"/>), how we sign in
/// (the account's auth token, or an API key), and which WhatsApp sender we send from (a number,
/// a Messaging Service, or both). Every value is checked when the account is made, so a typo in a
/// setting fails at start-up with the setting's name, not at the first send.
/// </summary>
/// <remarks>
/// <para>
/// The auth token has two jobs at Twilio: it is the Basic-auth password (when no API key is set),
/// and it is the key Twilio signs every webhook with. API keys cannot verify webhooks, so an
/// account that sends with an API key still needs the auth token to check
/// <c>X-Twilio-Signature</c>: give both, or verification is refused (<see cref="WebhookAuthToken"/>).
/// </para>
/// <para><see cref="ToString"/> never shows the auth token or the API key secret.</para>
/// </remarks>
public sealed partial record TwilioAccount
{
    /// <param name="accountSid">The account SID: <c>AC</c> and 32 hex digits.</param>
    /// <param name="authToken">The account's auth token. Required unless an API key is given; with one, still needed to verify webhooks.</param>
    /// <param name="apiKeySid">An API key SID (<c>SK</c> and 32 hex digits), used with <paramref name="apiKeySecret"/> instead of the auth token to send.</param>
    /// <param name="apiKeySecret">The API key's secret.</param>
    /// <param name="from">The WhatsApp sender number in E.164 (<c>+</c> and digits, no <c>whatsapp:</c> prefix).</param>
    /// <param name="messagingServiceSid">A Messaging Service SID (<c>MG</c> and 32 hex digits) to send through. With <paramref name="from"/> too, Twilio uses that sender from the service's pool.</param>
    /// <exception cref="ArgumentException">A value is missing or malformed; the message names the field.</exception>
    public TwilioAccount(
        string accountSid,
        string? authToken = null,
        string? apiKeySid = null,
        string? apiKeySecret = null,
        string? from = null,
        string? messagingServiceSid = null)
    {
        if (accountSid is null || !AccountSidPattern().IsMatch(accountSid))
        {
            throw new ArgumentException($"{nameof(AccountSid)} must be 'AC' followed by 32 hex digits.", nameof(accountSid));
        }
        if (authToken is not null && string.IsNullOrWhiteSpace(authToken))
        {
            throw new ArgumentException($"{nameof(AuthToken)} is empty; leave it out or give the account's auth token.", nameof(authToken));
        }
        if (apiKeySid is not null || apiKeySecret is not null)
        {
            if (apiKeySid is null || !ApiKeySidPattern().IsMatch(apiKeySid))
            {
                throw new ArgumentException($"{nameof(ApiKeySid)} must be 'SK' followed by 32 hex digits when an API key is used.", nameof(apiKeySid));
            }
            if (string.IsNullOrWhiteSpace(apiKeySecret))
            {
                throw new ArgumentException($"{nameof(ApiKeySecret)} is required with {nameof(ApiKeySid)}.", nameof(apiKeySecret));
            }
        }
        else if (authToken is null)
        {
            throw new ArgumentException($"Give either {nameof(AuthToken)} or {nameof(ApiKeySid)} and {nameof(ApiKeySecret)}.", nameof(authToken));
        }
        if (from is not null && !E164.IsValid(from))
        {
            throw new ArgumentException($"{nameof(From)} must be an E.164 number ('+' and 7 to 15 digits, no 'whatsapp:' prefix).", nameof(from));
        }
        if (messagingServiceSid is not null && !MessagingServiceSidPattern().IsMatch(messagingServiceSid))
        {
            throw new ArgumentException($"{nameof(MessagingServiceSid)} must be 'MG' followed by 32 hex digits.", nameof(messagingServiceSid));
        }
        if (from is null && messagingServiceSid is null)
        {
            throw new ArgumentException($"Give a sender: {nameof(From)} or {nameof(MessagingServiceSid)}.", nameof(from));
        }

        AccountSid = accountSid;
        AuthToken = authToken;
        ApiKeySid = apiKeySid;
        ApiKeySecret = apiKeySecret;
        From = from;
        MessagingServiceSid = messagingServiceSid;
    }

    public string AccountSid { get; }

    /// <summary>The account's auth token: the Basic-auth password when there is no API key, and always the webhook signing key.</summary>
    public string? AuthToken { get; }

    public string? ApiKeySid { get; }

    public string? ApiKeySecret { get; }

    /// <summary>The sender number in E.164; sent as <c>whatsapp:+…</c>.</summary>
    public string? From { get; }

    public string? MessagingServiceSid { get; }

    /// <summary>True when requests authenticate with the API key rather than the auth token.</summary>
    public bool UsesApiKey => ApiKeySid is not null;

    /// <summary>The key that <c>X-Twilio-Signature</c> is checked with: the account's auth token.</summary>
    /// <exception cref="InvalidOperationException">The account has only an API key, which Twilio does not sign webhooks with.</exception>
    public string WebhookAuthToken => AuthToken
        ?? throw new InvalidOperationException($"Twilio account {AccountSid} has an API key but no auth token; Twilio signs webhooks with the auth token, so give it as well to verify them.");

    /// <summary>The Basic-auth user name and password for the REST API.</summary>
    internal (string User, string Password) BasicCredentials =>
        UsesApiKey ? (ApiKeySid!, ApiKeySecret!) : (AccountSid, AuthToken!);

    /// <summary>Names and SIDs only; secrets are never shown.</summary>
    public override string ToString()
    {
        var auth = UsesApiKey
            ? $"ApiKey {ApiKeySid}{(AuthToken is null ? "" : " (+ auth token for webhooks)")}"
            : "AuthToken";
        return $"TwilioAccount {{ AccountSid = {AccountSid}, Auth = {auth}, From = {From ?? "-"}, MessagingServiceSid = {MessagingServiceSid ?? "-"} }}";
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();

    [GeneratedRegex("^SK[0-9a-fA-F]{32}$")]
    private static partial Regex ApiKeySidPattern();

    [GeneratedRegex("^MG[0-9a-fA-F]{32}$")]
    private static partial Regex MessagingServiceSidPattern();
}
