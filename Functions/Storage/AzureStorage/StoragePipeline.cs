using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Functions.Storage.AzureStorage;

/// <summary>What both storage clients share: pipeline assembly and the send-and-check step.</summary>
internal static class StoragePipeline
{
    public const string TokenScope = "https://storage.azure.com/.default";

    /// <summary>
    /// One pipeline per client: Azure.Core's retry (from <see cref="ClientOptions.Retry"/>), then per attempt
    /// the version header and authentication (SharedKey signing or an Azure AD bearer token).
    /// </summary>
    public static HttpPipeline Build(ClientOptions options, StorageAccount account, string version, Func<AzureNamedKeyCredential, HttpPipelinePolicy> sharedKeyPolicy)
    {
        HttpPipelinePolicy authentication = account.TokenCredential is { } token
            ? new BearerTokenAuthenticationPolicy(token, TokenScope)
            : sharedKeyPolicy(account.SharedKey!);
        return HttpPipelineBuilder.Build(options, new StorageVersionPolicy(version), authentication);
    }

    /// <summary>Sends and returns the response if its status is one of <paramref name="expected"/>; otherwise throws.</summary>
    public static async Task<Response> SendAsync(HttpPipeline pipeline, HttpMessage message, CancellationToken cancellationToken, params int[] expected)
    {
        await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (!expected.Contains(response.Status))
        {
            throw Failure(response);
        }
        return response;
    }

    public static RequestFailedException Failure(Response response) =>
        new(response, innerException: null, StorageErrorParser.Instance);

    /// <summary>The error code of a failed response (header, then body), for statuses a caller tolerates.</summary>
    public static string? ErrorCode(Response response) =>
        response.Headers.TryGetValue("x-ms-error-code", out var code) ? code : StorageErrorParser.ReadBody(response).Code;
}
