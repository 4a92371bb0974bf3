using Azure;
using Azure.Core;

namespace Functions.Storage.AzureStorage;

/// <summary>
/// Where a storage account's Table and Queue services are and how to authenticate to them:
/// a shared key (connection string) or an Azure AD <see cref="Azure.Core.TokenCredential"/>.
/// <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class StorageAccount
{
    /// <summary>Azurite's well-known development account (published by Microsoft, not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development key (published by Microsoft, not a secret).</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly HashSet<string> KnownParts = new(StringComparer.OrdinalIgnoreCase)
    {
        "UseDevelopmentStorage", "DevelopmentStorageProxyUri", "DefaultEndpointsProtocol", "AccountName", "AccountKey",
        "EndpointSuffix", "TableEndpoint", "QueueEndpoint", "BlobEndpoint", "FileEndpoint", "SharedAccessSignature",
    };

    private StorageAccount(string accountName, Uri tableEndpoint, Uri queueEndpoint, AzureNamedKeyCredential? sharedKey, TokenCredential? tokenCredential)
    {
        AccountName = accountName;
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        SharedKey = sharedKey;
        TokenCredential = tokenCredential;
    }

    public string AccountName { get; }

    /// <summary>The Table service base, e.g. <c>https://acct.table.core.windows.net</c> or <c>http://127.0.0.1:10002/devstoreaccount1</c>.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>The Queue service base, e.g. <c>https://acct.queue.core.windows.net</c> or <c>http://127.0.0.1:10001/devstoreaccount1</c>.</summary>
    public Uri QueueEndpoint { get; }

    internal AzureNamedKeyCredential? SharedKey { get; }

    internal TokenCredential? TokenCredential { get; }

    /// <summary>
    /// Parses <c>UseDevelopmentStorage=true[;DevelopmentStorageProxyUri=..]</c> or
    /// <c>[DefaultEndpointsProtocol=..;]AccountName=..;AccountKey=..[;EndpointSuffix=..][;TableEndpoint=..][;QueueEndpoint=..]</c>.
    /// </summary>
    /// <exception cref="FormatException">A part is missing or invalid; the message names it (never the key).</exception>
    public static StorageAccount Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException("Storage connection string is malformed: every part must be 'Name=value', separated by ';'.");
            }
            var name = segment[..eq].Trim();
            if (!parts.TryAdd(name, segment[(eq + 1)..].Trim()))
            {
                // Name only the parts we know: an unknown "name" could be a pasted secret.
                throw new FormatException(KnownParts.Contains(name)
                    ? $"Storage connection string has {name} more than once."
                    : "Storage connection string has a part name more than once.");
            }
        }
        if (parts.Count == 0)
        {
            throw new FormatException("Storage connection string is empty.");
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev))
        {
            if (!string.Equals(dev, "true", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException("Storage connection string: UseDevelopmentStorage must be 'true' when present.");
            }
            var host = parts.TryGetValue("DevelopmentStorageProxyUri", out var proxy)
                ? ParseEndpoint(proxy, "DevelopmentStorageProxyUri")
                : new Uri("http://127.0.0.1");
            return WithSharedKey(
                DevelopmentAccountName,
                DevelopmentAccountKey,
                new Uri($"{host.Scheme}://{host.Host}:10002/{DevelopmentAccountName}"),
                new Uri($"{host.Scheme}://{host.Host}:10001/{DevelopmentAccountName}"));
        }

        if (parts.ContainsKey("SharedAccessSignature"))
        {
            throw new FormatException("Storage connection string: SharedAccessSignature is not supported; use AccountName and AccountKey, or an Azure AD credential.");
        }
        var accountName = Required(parts, "AccountName");
        var accountKey = Required(parts, "AccountKey");
        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        if (protocol is not ("http" or "https"))
        {
            throw new FormatException("Storage connection string: DefaultEndpointsProtocol must be 'http' or 'https'.");
        }
        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        if (suffix.Length == 0 || Uri.CheckHostName(suffix) != UriHostNameType.Dns)
        {
            throw new FormatException("Storage connection string: EndpointSuffix is not a valid DNS suffix.");
        }
        var table = parts.TryGetValue("TableEndpoint", out var t)
            ? ParseEndpoint(t, "TableEndpoint")
            : ParseEndpoint($"{protocol}://{accountName}.table.{suffix}", "AccountName");
        var queue = parts.TryGetValue("QueueEndpoint", out var q)
            ? ParseEndpoint(q, "QueueEndpoint")
            : ParseEndpoint($"{protocol}://{accountName}.queue.{suffix}", "AccountName");
        return WithSharedKey(accountName, accountKey, table, queue);
    }

    /// <summary>An account authenticated with its shared key (SharedKey signing).</summary>
    public static StorageAccount WithSharedKey(string accountName, string accountKey, Uri tableEndpoint, Uri queueEndpoint)
    {
        if (string.IsNullOrWhiteSpace(accountName))
        {
            throw new FormatException("Storage account: AccountName is empty.");
        }
        if (string.IsNullOrWhiteSpace(accountKey))
        {
            throw new FormatException("Storage account: AccountKey is empty.");
        }
        Span<byte> buffer = stackalloc byte[accountKey.Length];
        if (!Convert.TryFromBase64String(accountKey, buffer, out var written) || written == 0)
        {
            throw new FormatException("Storage account: AccountKey is not valid Base64.");
        }
        return new StorageAccount(
            accountName,
            CheckEndpoint(tableEndpoint, nameof(tableEndpoint)),
            CheckEndpoint(queueEndpoint, nameof(queueEndpoint)),
            new AzureNamedKeyCredential(accountName, accountKey),
            tokenCredential: null);
    }

    /// <summary>
    /// An account authenticated with Azure AD (scope <c>https://storage.azure.com/.default</c>);
    /// the identity needs the "Storage Table Data Contributor" and "Storage Queue Data Contributor" roles.
    /// </summary>
    public static StorageAccount WithTokenCredential(Uri tableEndpoint, Uri queueEndpoint, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var table = CheckEndpoint(tableEndpoint, nameof(tableEndpoint));
        var queue = CheckEndpoint(queueEndpoint, nameof(queueEndpoint));
        return new StorageAccount(AccountNameOf(table), table, queue, sharedKey: null, credential);
    }

    public override string ToString() =>
        $"StorageAccount({AccountName}, table {TableEndpoint}, queue {QueueEndpoint}, {(SharedKey is null ? "Azure AD" : "shared key")})";

    private static string Required(Dictionary<string, string> parts, string name) =>
        parts.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new FormatException($"Storage connection string is missing {name}.");

    private static Uri ParseEndpoint(string value, string part) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? TrimEndSlash(uri)
            : throw new FormatException($"Storage connection string: {part} is not an absolute http(s) URI.");

    private static Uri CheckEndpoint(Uri endpoint, string paramName)
    {
        ArgumentNullException.ThrowIfNull(endpoint, paramName);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("A storage endpoint is an absolute http(s) URI.", paramName);
        }
        return TrimEndSlash(endpoint);
    }

    private static Uri TrimEndSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? new Uri(uri.AbsoluteUri.TrimEnd('/')) : uri;

    /// <summary><c>acct</c> from <c>https://acct.table.core.windows.net</c>, or from the path of <c>http://127.0.0.1:10002/acct</c>.</summary>
    private static string AccountNameOf(Uri endpoint)
    {
        if (endpoint.HostNameType == UriHostNameType.Dns && endpoint.Host.Contains('.', StringComparison.Ordinal) && endpoint.AbsolutePath is "/" or "")
        {
            return endpoint.Host[..endpoint.Host.IndexOf('.', StringComparison.Ordinal)];
        }
        return endpoint.AbsolutePath.Trim('/').Split('/')[0];
    }
}
