using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Functions.Channels.Meta;

/// <summary>
/// The answer to Meta's subscription check: echo <see cref="Challenge"/> as <c>text/plain</c>
/// with 200 when <see cref="IsAccepted"/>, otherwise answer 403. <see cref="Refusal"/> says why,
/// for a log line; it never contains the tokens.
/// </summary>
public sealed record WebhookChallengeResult
{
    private WebhookChallengeResult(string? challenge, string? refusal)
    {
        Challenge = challenge;
        Refusal = refusal;
    }

    public bool IsAccepted => Challenge is not null;

    public string? Challenge { get; }

    public string? Refusal { get; }

    internal static WebhookChallengeResult Accept(string challenge) => new(challenge, null);

    internal static WebhookChallengeResult Refuse(string refusal) => new(null, refusal);
}

/// <summary>
/// The two checks that make a Meta webhook trustworthy: the subscription GET (Meta proves it
/// knows our verify token; we echo its challenge) and the <c>X-Hub-Signature-256</c> header on
/// every POST (an HMAC-SHA256 of the raw body keyed with the Meta app's secret).
/// </summary>
public static class MetaWebhookVerification
{
    public const string SignatureHeader = "X-Hub-Signature-256";

    private const string SignaturePrefix = "sha256=";
    private const int MaxChallengeLength = 256;

    /// <summary>
    /// The GET <c>?hub.mode=subscribe&amp;hub.verify_token=…&amp;hub.challenge=…</c> Meta sends when
    /// the callback URL or verify token is saved. Accepted only for mode <c>subscribe</c>, a
    /// verify token equal to the account's (compared in constant time), and a challenge that is
    /// safe to echo into any page (1 to 256 ASCII letters, digits, '-', '_' or '.'; Meta sends a number).
    /// </summary>
    public static WebhookChallengeResult VerifySubscription(string? mode, string? verifyToken, string? challenge, MetaAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (!string.Equals(mode, "subscribe", StringComparison.Ordinal))
        {
            return WebhookChallengeResult.Refuse("hub.mode is not 'subscribe'.");
        }
        if (string.IsNullOrEmpty(verifyToken) || !FixedTimeEquals(verifyToken, account.VerifyToken))
        {
            return WebhookChallengeResult.Refuse("hub.verify_token does not match the account's verify token.");
        }
        if (string.IsNullOrEmpty(challenge) || challenge.Length > MaxChallengeLength || !challenge.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return WebhookChallengeResult.Refuse("hub.challenge is missing, too long, or has characters other than letters, digits, '-', '_' and '.'.");
        }
        return WebhookChallengeResult.Accept(challenge);
    }

    /// <summary>
    /// True when the request carries <c>X-Hub-Signature-256: sha256=&lt;hex&gt;</c> and the hex (either
    /// case) is the HMAC-SHA256 of the raw body bytes keyed with <paramref name="appSecret"/>,
    /// compared in constant time. A missing, malformed or differently prefixed header (the old
    /// <c>sha1=</c> one included) and an empty body are all false: Meta signs every POST and never
    /// posts an empty one.
    /// </summary>
    public static bool IsValidSignature(string appSecret, WebhookRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(appSecret);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Body is not { Length: > 0 } body)
        {
            return false;
        }
        var header = request.Header(SignatureHeader)?.Trim();
        if (header is null || header.Length != SignaturePrefix.Length + 2 * HMACSHA256.HashSizeInBytes
            || !header.StartsWith(SignaturePrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> claimed = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(header.AsSpan(SignaturePrefix.Length), claimed, out _, out var written) != OperationStatus.Done
            || written != claimed.Length)
        {
            return false;
        }
        Span<byte> actual = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body, actual);
        return CryptographicOperations.FixedTimeEquals(claimed, actual);
    }

    /// <summary>Compares digests, so neither the content nor the length of the expected token leaks through timing.</summary>
    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(a)), SHA256.HashData(Encoding.UTF8.GetBytes(b)));
}
