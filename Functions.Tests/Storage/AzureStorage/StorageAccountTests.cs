using Azure.Core;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.Storage.AzureStorage;

public sealed class StorageAccountTests
{
    private const string Key = "c2VjcmV0LWtleS1ieXRlcy1mb3ItdGVzdHMtb25seQ==";

    [Fact]
    public void DevelopmentStorageMeansAzuriteOnItsDefaultPorts()
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true");

        Assert.Equal("devstoreaccount1", account.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), account.TableEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), account.QueueEndpoint);
        account.SharedKey!.Deconstruct(out var name, out var key);
        Assert.Equal((StorageAccount.DevelopmentAccountName, StorageAccount.DevelopmentAccountKey), (name, key));
    }

    [Fact]
    public void DevelopmentStorageProxyUriMovesTheHost()
    {
        var account = StorageAccount.Parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite");

        Assert.Equal(new Uri("http://azurite:10002/devstoreaccount1"), account.TableEndpoint);
        Assert.Equal(new Uri("http://azurite:10001/devstoreaccount1"), account.QueueEndpoint);
    }

    [Fact]
    public void AccountNameAndKeyDeriveEndpointsFromProtocolAndSuffix()
    {
        var account = StorageAccount.Parse($"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal("acme", account.AccountName);
        Assert.Equal(new Uri("https://acme.table.core.chinacloudapi.cn"), account.TableEndpoint);
        Assert.Equal(new Uri("https://acme.queue.core.chinacloudapi.cn"), account.QueueEndpoint);
        Assert.Equal(new Uri("https://acme.queue.core.windows.net"),
            StorageAccount.Parse($"AccountName=acme;AccountKey={Key}").QueueEndpoint);
    }

    [Fact]
    public void ExplicitEndpointsWinAndLoseTheirTrailingSlash()
    {
        var account = StorageAccount.Parse(
            $" DefaultEndpointsProtocol=http; AccountName=devstoreaccount1; AccountKey={Key}; TableEndpoint=http://127.0.0.1:5/devstoreaccount1/; QueueEndpoint=http://127.0.0.1:6/devstoreaccount1;");

        Assert.Equal("http://127.0.0.1:5/devstoreaccount1", account.TableEndpoint.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:6/devstoreaccount1", account.QueueEndpoint.AbsoluteUri);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("AccountKey=" + Key, "AccountName")]
    [InlineData("AccountName=acme", "AccountKey")]
    [InlineData("AccountName=acme;AccountKey=", "AccountKey")]
    [InlineData("AccountName=acme;AccountKey=not*base64!", "AccountKey")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";TableEndpoint=table.example.com", "TableEndpoint")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";QueueEndpoint=ftp://q", "QueueEndpoint")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";EndpointSuffix=bad suffix", "EndpointSuffix")]
    [InlineData("AccountName=acme;AccountName=other;AccountKey=" + Key, "AccountName")]
    [InlineData("AccountName=acme;SharedAccessSignature=sv=1&sig=" + Key, "SharedAccessSignature")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";bare-words", "Name=value")]
    [InlineData("AccountName=acme;AccountKey=" + Key + ";" + Key + ";" + Key, "more than once")]
    public void BadConnectionStringsNameThePartButNeverTheKey(string connectionString, string part)
    {
        var ex = Assert.Throws<FormatException>(() => StorageAccount.Parse(connectionString));

        Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64!", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringNeverShowsTheKey()
    {
        var account = StorageAccount.Parse($"AccountName=acme;AccountKey={Key}");

        Assert.DoesNotContain(Key, account.ToString(), StringComparison.Ordinal);
        Assert.Contains("acme", account.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(StorageAccount.DevelopmentAccountKey, StorageAccount.Parse("UseDevelopmentStorage=true").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TokenCredentialAccountsTakeTheirNameFromTheEndpoint()
    {
        var credential = new FakeTokenCredential();
        var account = StorageAccount.WithTokenCredential(
            new Uri("https://acme.table.core.windows.net/"), new Uri("https://acme.queue.core.windows.net"), credential);

        Assert.Equal("acme", account.AccountName);
        Assert.Same(credential, account.TokenCredential);
        Assert.Null(account.SharedKey);
        Assert.Equal("https://acme.table.core.windows.net/", account.TableEndpoint.AbsoluteUri);
        Assert.Throws<ArgumentNullException>(() => StorageAccount.WithTokenCredential(account.TableEndpoint, account.QueueEndpoint, null!));
        Assert.Throws<ArgumentException>(() => StorageAccount.WithTokenCredential(new Uri("/relative", UriKind.Relative), account.QueueEndpoint, credential));
    }

    internal sealed class FakeTokenCredential : TokenCredential
    {
        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.Add(requestContext.Scopes);
            return new AccessToken("fake-token", DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
