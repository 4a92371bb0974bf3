using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Functions.Tenants;

namespace Functions.Orders.Tracking;

/// <summary>What a tracking token says once its signature is checked.</summary>
public sealed record TrackingClaims(string TenantId, string OrderId, int KeyVersion, DateTimeOffset ExpiresOn);

/// <summary>
/// The tracking link's token: <c>base64url(format | key version | expires | tenant | order | HMAC-SHA256)</c>.
/// Binary, not JSON, so a WhatsApp message carries a short link: about 60 characters plus the ids.
/// <list type="bullet">
/// <item>format: one byte (1); key version: 4 bytes, which of the tenant's secrets signed it (rotation);</item>
/// <item>expires: Unix seconds, 8 bytes; tenant: 1 length byte + ASCII slug; order: 1 length byte + UTF-8 id;</item>
/// <item>MAC: HMAC-SHA256 over everything before it, 32 bytes, keyed with the tenant's secret of that version.</item>
/// </list>
/// Nothing in it is secret (ids and expiry); it cannot be forged or altered without the tenant's secret.
/// </summary>
public static class TrackingToken
{
    public const byte Format = 1;
    public const int MacBytes = 32;

    /// <summary>Order ids longer than this (in UTF-8) cannot be put in a link.</summary>
    public const int MaxOrderIdBytes = 255;

    /// <summary>Longer query values are refused before decoding: a real token is far shorter.</summary>
    public const int MaxTokenChars = 512;

    private const int HeaderBytes = 1 + 4 + 8;

    public static string Create(TrackingClaims claims, ReadOnlySpan<byte> secret)
    {
        var tenant = Encoding.ASCII.GetBytes(claims.TenantId);
        var order = Encoding.UTF8.GetBytes(claims.OrderId);
        if (!Tenant.IsValidId(claims.TenantId)) throw new ArgumentException("Not a tenant id.", nameof(claims));
        if (!IsValidOrderId(claims.OrderId)) throw new ArgumentException($"An order id is 1 to {MaxOrderIdBytes} UTF-8 bytes.", nameof(claims));

        var bytes = new byte[HeaderBytes + 1 + tenant.Length + 1 + order.Length + MacBytes];
        var span = bytes.AsSpan();
        span[0] = Format;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], claims.KeyVersion);
        BinaryPrimitives.WriteInt64BigEndian(span[5..], claims.ExpiresOn.ToUnixTimeSeconds());
        var at = HeaderBytes;
        span[at++] = (byte)tenant.Length;
        tenant.CopyTo(span[at..]);
        at += tenant.Length;
        span[at++] = (byte)order.Length;
        order.CopyTo(span[at..]);
        at += order.Length;
        HMACSHA256.HashData(secret, span[..at], span[at..]);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool IsValidOrderId(string? orderId) =>
        !string.IsNullOrEmpty(orderId) && Encoding.UTF8.GetByteCount(orderId) <= MaxOrderIdBytes;

    /// <summary>
    /// Reads the token's claims without trusting them (the signature is checked by
    /// <see cref="HasValidMac"/> with the secret the claims point to). False when it is not a token at all.
    /// </summary>
    public static bool TryRead(string? token, out TrackingClaims claims, out byte[] bytes)
    {
        claims = null!;
        bytes = [];
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenChars)
        {
            return false;
        }
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }
        // Only the canonical spelling is a token, so no two strings verify as the same token.
        if (bytes.Length < HeaderBytes + 2 + MacBytes || bytes[0] != Format || Base64Url.EncodeToString(bytes) != token)
        {
            return false;
        }
        var span = bytes.AsSpan();
        var keyVersion = BinaryPrimitives.ReadInt32BigEndian(span[1..]);
        var expires = BinaryPrimitives.ReadInt64BigEndian(span[5..]);
        var at = HeaderBytes;
        int tenantLength = span[at++];
        if (at + tenantLength + 1 + MacBytes > span.Length)
        {
            return false;
        }
        var tenantId = Encoding.ASCII.GetString(span.Slice(at, tenantLength));
        at += tenantLength;
        int orderLength = span[at++];
        if (at + orderLength + MacBytes != span.Length || keyVersion < 1
            || expires < 0 || expires > DateTimeOffset.MaxValue.ToUnixTimeSeconds() || !Tenant.IsValidId(tenantId))
        {
            return false;
        }
        string orderId;
        try
        {
            orderId = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(span.Slice(at, orderLength));
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (orderId.Length == 0)
        {
            return false;
        }
        claims = new TrackingClaims(tenantId, orderId, keyVersion, DateTimeOffset.FromUnixTimeSeconds(expires));
        return true;
    }

    /// <summary>Whether the MAC at the end of <paramref name="bytes"/> is this secret's, compared in constant time.</summary>
    public static bool HasValidMac(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> secret)
    {
        Span<byte> expected = stackalloc byte[MacBytes];
        var signed = bytes.Length - MacBytes;
        HMACSHA256.HashData(secret, bytes[..signed], expected);
        return CryptographicOperations.FixedTimeEquals(expected, bytes[signed..]);
    }
}
