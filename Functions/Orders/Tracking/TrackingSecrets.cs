using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Functions.Storage;

namespace Functions.Orders.Tracking;

/// <summary>One of a tenant's tracking-link signing secrets. Never logged: <see cref="ToString"/> leaves the bytes out.</summary>
public sealed record TrackingSecret(int Version, byte[] Key, DateTimeOffset CreatedOn)
{
    public override string ToString() => $"TrackingSecret(v{Version}, {CreatedOn:O})";
}

/// <summary>
/// Each tenant's secrets for signing tracking links, generated on the tenant's first link.
/// Rows: table <c>OrderTrackingSecrets</c>, PartitionKey = tenant id, RowKey = version
/// (<c>v0000000001</c>, zero-padded so rows come back oldest first). New links are signed
/// with the newest version; older versions keep verifying the links they signed until those
/// expire, unless retired. Read through a short per-instance cache, since every notification
/// and every page view needs them; a retirement reaches other instances within <see cref="CacheFor"/>.
/// </summary>
public sealed class TrackingSecrets(ITableStore tables, TimeProvider time)
{
    public const string Table = "OrderTrackingSecrets";
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private const int SecretBytes = 32;

    private readonly ConcurrentDictionary<string, (IReadOnlyList<TrackingSecret> Secrets, DateTimeOffset LoadedOn)> _cache = new(StringComparer.Ordinal);

    /// <summary>The secret new links are signed with; the tenant's first one is created here, once, whoever races.</summary>
    public async Task<TrackingSecret> CurrentAsync(string tenantId, CancellationToken cancellationToken)
    {
        if ((await ListAsync(tenantId, cancellationToken)) is [.., var newest])
        {
            return newest;
        }
        await TryAddAsync(tenantId, 1, cancellationToken); // false: another request created it first; use theirs
        return (await ListAsync(tenantId, cancellationToken, reload: true))[^1];
    }

    /// <summary>The secret of that version, or null (unknown tenant, never created, retired). Never creates one.</summary>
    public async Task<TrackingSecret?> FindAsync(string tenantId, int version, CancellationToken cancellationToken)
    {
        var wasCached = _cache.ContainsKey(tenantId);
        var secrets = await ListAsync(tenantId, cancellationToken);
        if (wasCached && secrets.Count > 0 && version > secrets[^1].Version)
        {
            // Possibly rotated on another instance since we cached: look again (a forged
            // version costs one read, as an unknown tenant does).
            secrets = await ListAsync(tenantId, cancellationToken, reload: true);
        }
        return secrets.FirstOrDefault(s => s.Version == version);
    }

    /// <summary>
    /// Adds a newer secret for new links. With <paramref name="retireOlder"/>, older secrets are
    /// deleted, so every link signed before stops working (for a leaked secret); without it they
    /// keep working until they expire. Returns the new version.
    /// </summary>
    public async Task<int> RotateAsync(string tenantId, bool retireOlder, CancellationToken cancellationToken)
    {
        while (true)
        {
            var secrets = await ListAsync(tenantId, cancellationToken, reload: true);
            var next = secrets.Count == 0 ? 1 : secrets[^1].Version + 1;
            if (!await TryAddAsync(tenantId, next, cancellationToken))
            {
                continue; // a concurrent rotation took that version: go past it
            }
            if (retireOlder)
            {
                foreach (var old in secrets)
                {
                    try
                    {
                        await tables.DeleteAsync(Table, tenantId, RowKey(old.Version), ETag.All, cancellationToken);
                    }
                    catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
                    {
                        // Retired by a concurrent rotation.
                    }
                }
            }
            _cache.TryRemove(tenantId, out _);
            return next;
        }
    }

    /// <summary>Deletes all the tenant's secrets (the tenant is erased): every link of theirs stops working.</summary>
    public async Task ForgetTenantAsync(string tenantId, CancellationToken cancellationToken)
    {
        foreach (var secret in await ListAsync(tenantId, cancellationToken, reload: true))
        {
            try
            {
                await tables.DeleteAsync(Table, tenantId, RowKey(secret.Version), ETag.All, cancellationToken);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
            {
            }
        }
        _cache.TryRemove(tenantId, out _);
    }

    private async Task<bool> TryAddAsync(string tenantId, int version, CancellationToken cancellationToken)
    {
        try
        {
            await tables.InsertAsync(Table, new TableEntity(tenantId, RowKey(version))
            {
                ["Secret"] = RandomNumberGenerator.GetBytes(SecretBytes),
                ["CreatedOn"] = time.GetUtcNow(),
            }, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            return false;
        }
    }

    private async Task<IReadOnlyList<TrackingSecret>> ListAsync(string tenantId, CancellationToken cancellationToken, bool reload = false)
    {
        var now = time.GetUtcNow();
        if (!reload && _cache.TryGetValue(tenantId, out var cached) && now - cached.LoadedOn < CacheFor && now >= cached.LoadedOn)
        {
            return cached.Secrets;
        }
        var rows = await tables.QueryAllAsync(Table, new TableQuery(tenantId), cancellationToken);
        var secrets = rows
            .Select(r => (Version: ParseVersion(r.RowKey), Key: r.GetBinary("Secret"), CreatedOn: r.GetDateTimeOffset("CreatedOn")))
            .Where(r => r.Version > 0 && r.Key is { Length: SecretBytes })
            .Select(r => new TrackingSecret(r.Version, r.Key!, r.CreatedOn ?? DateTimeOffset.MinValue))
            .OrderBy(s => s.Version)
            .ToList();
        // Only tenants with secrets are cached, so forged tokens naming made-up tenants cannot grow the cache.
        if (secrets.Count > 0)
        {
            _cache[tenantId] = (secrets, now);
        }
        return secrets;
    }

    private static string RowKey(int version) => "v" + version.ToString("D10", CultureInfo.InvariantCulture);

    private static int ParseVersion(string rowKey) =>
        rowKey.StartsWith('v') && int.TryParse(rowKey.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
