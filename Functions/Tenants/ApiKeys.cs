using System.Security.Cryptography;
using System.Text;
using Functions.Storage;

namespace Functions.Tenants;

public enum ApiKeyRole
{
    Admin,
    Agent,
    Orders,
}

/// <summary>Who a valid API key belongs to.</summary>
public sealed record ApiKeyIdentity(string KeyId, string TenantId, ApiKeyRole Role);

/// <summary>
/// Tenant API keys: <c>wab_&lt;keyId&gt;.&lt;secret&gt;</c>. Only a SHA-256 hash of the secret is
/// stored (the key is shown once, at creation); lookups go by key id and compare hashes in
/// constant time. Rows: table <c>ApiKeys</c>, PartitionKey = key id, RowKey = "key".
/// </summary>
public sealed class ApiKeys(ITableStore tables, TimeProvider time)
{
    public const string Table = "ApiKeys";
    private const string Prefix = "wab_";
    private const string RowKey = "key";

    /// <summary>Creates a key and returns it in full; it cannot be read back later.</summary>
    public async Task<string> CreateAsync(string tenantId, ApiKeyRole role, CancellationToken cancellationToken)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        await tables.InsertAsync(Table, new TableEntity(keyId, RowKey)
        {
            ["TenantId"] = tenantId,
            ["Role"] = role.ToString(),
            ["SecretHash"] = Hash(secret),
            ["CreatedOn"] = time.GetUtcNow(),
        }, cancellationToken);
        return $"{Prefix}{keyId}.{secret}";
    }

    /// <summary>The key's owner, or null for a malformed, unknown, revoked or wrong key.</summary>
    public async Task<ApiKeyIdentity?> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return null;
        }
        var dot = presented.IndexOf('.', Prefix.Length);
        if (dot < 0)
        {
            return null;
        }
        var keyId = presented[Prefix.Length..dot];
        if (keyId.Length != 16 || !keyId.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }
        var row = await tables.GetEntityIfExistsAsync(Table, keyId, RowKey, cancellationToken);
        if (row is null || row.GetDateTimeOffset("RevokedOn") is not null || row.GetBinary("SecretHash") is not { } stored
            || !CryptographicOperations.FixedTimeEquals(stored, Hash(presented[(dot + 1)..]))
            || !Enum.TryParse<ApiKeyRole>(row.GetString("Role"), out var role) || row.GetString("TenantId") is not { } tenantId)
        {
            return null;
        }
        return new ApiKeyIdentity(keyId, tenantId, role);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
