using Azure.Core;

namespace Functions.Storage.AzureStorage;

/// <summary>Pipeline options for <see cref="QueueStorageClient"/>: retries, diagnostics, transport and the pinned service version.</summary>
public sealed class QueueClientOptions : ClientOptions
{
    public QueueClientOptions(ServiceVersion version = LatestVersion)
    {
        Version = version switch
        {
            ServiceVersion.V2019_02_02 => "2019-02-02",
            _ => throw new ArgumentOutOfRangeException(nameof(version), version, "Unknown Queue service version."),
        };
    }

    private const ServiceVersion LatestVersion = ServiceVersion.V2019_02_02;

    public enum ServiceVersion
    {
        /// <summary>Allows messagettl=-1 (2017-07-29+) and Azure AD bearer tokens (2017-11-09+).</summary>
        V2019_02_02 = 1,
    }

    /// <summary>The <c>x-ms-version</c> header value.</summary>
    internal string Version { get; }
}
