using Azure.Core;

namespace Functions.Storage.AzureStorage;

/// <summary>Pipeline options for <see cref="TableStorageClient"/>: retries, diagnostics, transport and the pinned service version.</summary>
public sealed class TableClientOptions : ClientOptions
{
    public TableClientOptions(ServiceVersion version = LatestVersion)
    {
        Version = version switch
        {
            ServiceVersion.V2019_02_02 => "2019-02-02",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown Table service version."),
        };
    }

    private const ServiceVersion LatestVersion = ServiceVersion.V2019_02_02;

    public enum ServiceVersion
    {
        /// <summary>The JSON-only Table API version the Azure.Data.Tables SDK also uses.</summary>
        V2019_02_02 = 1,
    }

    /// <summary>The <c>x-ms-version</c> header value.</summary>
    internal string Version { get; }
}
