using Functions.Tests.TestSupport;

namespace Functions.Tests.Storage.AzureStorage;

public sealed class AzuriteProcessTests
{
    [Fact]
    public async Task AMissingInstallFailsWithTheInstallHint()
    {
        var emptyRoot = Directory.CreateTempSubdirectory("no-azurite-").FullName;
        try
        {
            await using var azurite = new AzuriteProcess(repoRoot: emptyRoot);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => azurite.StartAsync());
            Assert.StartsWith(AzuriteProcess.NotInstalledMessage, ex.Message, StringComparison.Ordinal);
            Assert.Contains("npm ci", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(emptyRoot, recursive: true);
        }
    }
}
