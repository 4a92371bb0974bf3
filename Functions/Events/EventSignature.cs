using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Functions.Events;

/// <summary>
/// How events are signed: <c>X-Webhook-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where the hex is
/// HMAC-SHA256 keyed with the subscription's secret (its UTF-8 bytes, <c>whsec_</c> included) over
/// <c>&lt;t&gt;.</c> followed by the raw body. During a rotation's grace day a second <c>v1</c> carries
/// the previous secret's signature. Receivers recompute it, compare in constant time, and refuse
/// a <c>t</c> too far from their clock (replays).
/// </summary>
public static class EventSignature
{
    public const string Header = "X-Webhook-Signature";
    public const string IdHeader = "X-Webhook-Id";
    public const string TypeHeader = "X-Webhook-Event";
    public const string AttemptHeader = "X-Webhook-Attempt";

    public static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    public static string HeaderValue(IEnumerable<string> secrets, long timestamp, ReadOnlySpan<byte> body)
    {
        var header = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            header.Append(",v1=").Append(Compute(secret, timestamp, body));
        }
        return header.ToString();
    }
}
