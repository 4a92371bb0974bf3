using Functions.Tenants;
using Microsoft.Extensions.Options;

namespace Functions.Orders.Tracking;

/// <summary>What a presented tracking token turned out to be.</summary>
public enum TrackingTokenStatus
{
    Valid,
    /// <summary>No token in the link.</summary>
    Missing,
    /// <summary>Not a token at all (cut short, wrong characters, wrong layout).</summary>
    Malformed,
    /// <summary>Well formed, but its signature is not that of the tenant it names (tampered, forged, another tenant's, or a retired secret's).</summary>
    Invalid,
    /// <summary>Genuine, but past its expiry.</summary>
    Expired,
}

public sealed record TrackingTokenCheck(TrackingTokenStatus Status, TrackingClaims? Claims = null);

/// <summary>
/// Tracking links for order notifications: <c>{base}/api/orders/track?token=…</c>, where the
/// token (see <see cref="TrackingToken"/>) names tenant and order, expires after
/// <see cref="TrackingOptions.TrackingLinkLifetime"/>, and is signed with the tenant's own secret
/// (<see cref="TrackingSecrets"/>). The base is the tenant's public base URL, else
/// <see cref="TrackingOptions.TrackingBaseUrl"/>.
/// </summary>
public sealed class OrderTracking(TrackingSecrets secrets, IOptions<TrackingOptions> options, TimeProvider time)
{
    public const string Path = "/api/orders/track";

    /// <summary>The absolute link to the order's tracking page, valid for the configured lifetime from now.</summary>
    public async Task<Uri> LinkAsync(Tenant tenant, string orderId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!TrackingToken.IsValidOrderId(orderId))
        {
            throw new ArgumentException($"An order id is 1 to {TrackingToken.MaxOrderIdBytes} UTF-8 bytes.", nameof(orderId));
        }
        var secret = await secrets.CurrentAsync(tenant.Id, cancellationToken);
        // Whole seconds, rounded down: the link never outlives the configured lifetime.
        var expires = DateTimeOffset.FromUnixTimeSeconds((time.GetUtcNow() + options.Value.TrackingLinkLifetime).ToUnixTimeSeconds());
        var token = TrackingToken.Create(new TrackingClaims(tenant.Id, orderId, secret.Version, expires), secret.Key);
        var baseUrl = (tenant.PublicBaseUrl ?? options.Value.TrackingBaseUrl).TrimEnd('/');
        return new Uri($"{baseUrl}{Path}?token={token}");
    }

    /// <summary>
    /// Checks a presented token: its layout, then its signature with the secret of the tenant it
    /// names (so a token can only ever name its own tenant's orders), then its expiry (valid while
    /// now is before it). Never creates a secret.
    /// </summary>
    public async Task<TrackingTokenCheck> VerifyAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new(TrackingTokenStatus.Missing);
        }
        if (!TrackingToken.TryRead(token, out var claims, out var bytes))
        {
            return new(TrackingTokenStatus.Malformed);
        }
        if (await secrets.FindAsync(claims.TenantId, claims.KeyVersion, cancellationToken) is not { } secret
            || !TrackingToken.HasValidMac(bytes, secret.Key))
        {
            return new(TrackingTokenStatus.Invalid);
        }
        return time.GetUtcNow() >= claims.ExpiresOn
            ? new(TrackingTokenStatus.Expired, claims)
            : new(TrackingTokenStatus.Valid, claims);
    }
}

/// <summary>Settings <c>Orders:TrackingBaseUrl</c> and <c>Orders:TrackingLinkLifetime</c>.</summary>
public sealed class TrackingOptions
{
    public const string Section = "Orders";

    /// <summary>Where tracking links point when the tenant has no public base URL; the default suits <c>dotnet run</c>.</summary>
    public string TrackingBaseUrl { get; set; } = "http://localhost:7071";

    /// <summary>How long a tracking link works after the notification that carries it.</summary>
    public TimeSpan TrackingLinkLifetime { get; set; } = TimeSpan.FromDays(90);

    internal IEnumerable<string> Problems()
    {
        if (!Uri.TryCreate(TrackingBaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            yield return "Orders:TrackingBaseUrl must be an absolute http(s) URL without query or fragment.";
        }
        if (TrackingLinkLifetime < TimeSpan.FromMinutes(1) || TrackingLinkLifetime > TimeSpan.FromDays(3650))
        {
            yield return "Orders:TrackingLinkLifetime must be between 00:01:00 and 3650.00:00:00.";
        }
    }
}
