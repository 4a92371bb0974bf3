using System.Security.Cryptography;
using System.Text;
using Azure;
using Functions.Storage;

namespace Functions.Tenants;

public enum ApiKeyRole
{
    /// <summary>Tenant settings and keys.</summary>
    Admin,
    /// <summary>An inbox front end: conversations and replies.</summary>
    Agent,
    /// <summary>An order system: order events.</summary>
    Orders,
}

/// <summary>Who a valid API key belongs to; <see cref="AgentId"/> when it is an agent key bound to one of the tenant's inbox agents.</summary>
public sealed record ApiKeyIdentity(string KeyId, string TenantId, ApiKeyRole Role)
{
    public string? AgentId { get; init; }
}

/// <summary>A key as listed: never the secret, only what identifies it (and the inbox agent an agent key acts as).</summary>
public sealed record ApiKeyInfo(string KeyId, string Prefix, ApiKeyRole Role, DateTimeOffset CreatedOn, DateTimeOffset? RevokedOn)
{
    public string? AgentId { get; init; }
}

/// <summary>
/// Tenant API keys: <c>wab_&lt;tenant&gt;.&lt;keyId&gt;.&lt;secret&gt;</c>. Only a SHA-256 hash of the
/// secret is stored (the key is shown once, at creation); a lookup is one point read by tenant
/// and key id, and hashes are compared in constant time. Rows: table <c>ApiKeys</c>,
/// PartitionKey = tenant id, RowKey = key id, so a tenant's keys list with one query.
/// </summary>
public sealed class ApiKeys(ITableStore tables, TimeProvider time)
{
    public const string Table = "ApiKeys";
    private const string Prefix = "wab_";

    /// <summary>Creates a key and returns it in full with its listing; the secret cannot be read back later.</summary>
    public Task<(string Key, ApiKeyInfo Info)> CreateAsync(string tenantId, ApiKeyRole role, CancellationToken cancellationToken) =>
        CreateAsync(tenantId, role, agentId: null, cancellationToken);

    /// <summary>
    /// As above; an <see cref="ApiKeyRole.Agent"/> key may be bound to an inbox agent (the caller
    /// checks the agent exists): requests with it act as that agent ("mine", "assign to me").
    /// </summary>
    public async Task<(string Key, ApiKeyInfo Info)> CreateAsync(string tenantId, ApiKeyRole role, string? agentId, CancellationToken cancellationToken)
    {
        if (agentId is not null && role != ApiKeyRole.Agent)
        {
            throw new ArgumentException("Only an agent key can be bound to an agent.", nameof(agentId));
        }
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        await tables.InsertAsync(Table, new TableEntity(tenantId, keyId)
        {
            ["Role"] = role.ToString(),
            ["SecretHash"] = Hash(secret),
            ["CreatedOn"] = now,
            ["AgentId"] = agentId,
        }, cancellationToken);
        var key = $"{Prefix}{tenantId}.{keyId}.{secret}";
        return (key, new ApiKeyInfo(keyId, DisplayPrefix(tenantId, keyId), role, now, null) { AgentId = agentId });
    }

    /// <summary>The key's owner, or null for a malformed, unknown, revoked or wrong key.</summary>
    public async Task<ApiKeyIdentity?> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return null;
        }
        var parts = presented[Prefix.Length..].Split('.');
        if (parts is not [var tenantId, var keyId, var secret] || !Tenant.IsValidId(tenantId)
            || keyId.Length != 16 || !keyId.All(char.IsAsciiHexDigitLower) || secret.Length == 0)
        {
            return null;
        }
        var row = await tables.GetEntityIfExistsAsync(Table, tenantId, keyId, cancellationToken);
        if (row is null || row.GetDateTimeOffset("RevokedOn") is not null || row.GetBinary("SecretHash") is not { } stored
            || !CryptographicOperations.FixedTimeEquals(stored, Hash(secret))
            || !Enum.TryParse<ApiKeyRole>(row.GetString("Role"), out var role))
        {
            return null;
        }
        return new ApiKeyIdentity(keyId, tenantId, role) { AgentId = row.GetString("AgentId") };
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var rows = await tables.QueryAllAsync(Table, new TableQuery(tenantId), cancellationToken);
        return [.. rows.Select(row => new ApiKeyInfo(
            row.RowKey,
            DisplayPrefix(tenantId, row.RowKey),
            Enum.TryParse<ApiKeyRole>(row.GetString("Role"), out var role) ? role : ApiKeyRole.Agent,
            row.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
            row.GetDateTimeOffset("RevokedOn")) { AgentId = row.GetString("AgentId") })];
    }

    /// <summary>Revokes a key of this tenant; false if the tenant has no such key. Revoking twice is fine.</summary>
    public async Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken)
    {
        if (!Tenant.IsValidId(tenantId) || keyId.Length != 16 || !keyId.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }
        var row = await tables.GetEntityIfExistsAsync(Table, tenantId, keyId, cancellationToken);
        if (row is null)
        {
            return false;
        }
        if (row.GetDateTimeOffset("RevokedOn") is null)
        {
            try
            {
                await tables.MergeAsync(Table, new TableEntity(tenantId, keyId) { ["RevokedOn"] = time.GetUtcNow() }, row.ETag, cancellationToken);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsPreconditionFailed(ex))
            {
                // Changed meanwhile (revoked by a concurrent call): revoke unconditionally, keeping the first time if set.
                var current = await tables.GetEntityIfExistsAsync(Table, tenantId, keyId, cancellationToken);
                if (current?.GetDateTimeOffset("RevokedOn") is null)
                {
                    await tables.MergeAsync(Table, new TableEntity(tenantId, keyId) { ["RevokedOn"] = time.GetUtcNow() }, ETag.All, cancellationToken);
                }
            }
        }
        return true;
    }

    private static string DisplayPrefix(string tenantId, string keyId) => $"{Prefix}{tenantId}.{keyId}.…";

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
