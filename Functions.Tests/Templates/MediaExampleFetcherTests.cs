using System.Net;
using Functions.Templates;
using Functions.Tests.Channels.Meta;

namespace Functions.Tests.Templates;

/// <summary><see cref="MediaExampleFetcher"/> over real HTTP against a fake server on 127.0.0.1.</summary>
public sealed class MediaExampleFetcherTests : IAsyncLifetime
{
    private FakeGraphServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeGraphServer.StartAsync();
        _http = MediaExampleFetcher.CreateHttpClient(allowPrivateNetworks: true);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task TheFileComesWithItsTypeFromTheAnswerAndItsNameFromTheUrl()
    {
        _server.Respond = _ => GraphReply.File([1, 2, 3], "image/PNG; charset=binary");

        var example = await new MediaExampleFetcher(_http).FetchAsync(new Uri(_server.BaseUrl, "/img/header%20photo.png?v=2").ToString(), default);

        Assert.Equal([1, 2, 3], example.Content);
        Assert.Equal(("image/png", "headerphoto.png"), (example.ContentType, example.FileName));
    }

    [Theory]
    [InlineData("ftp://example.com/a.png")]
    [InlineData("file:///etc/passwd")]
    [InlineData("/relative.png")]
    public async Task OnlyHttpUrlsAreFetched(string url)
    {
        await Assert.ThrowsAsync<MediaExampleException>(() => new MediaExampleFetcher(_http).FetchAsync(url, default));
    }

    [Fact]
    public async Task ASlowServerRunsOutOfTime()
    {
        _server.Respond = _ => GraphReply.File([1], "image/png") with { Delay = TimeSpan.FromSeconds(5) };

        var e = await Assert.ThrowsAsync<MediaExampleException>(() =>
            new MediaExampleFetcher(_http) { Timeout = TimeSpan.FromMilliseconds(200) }.FetchAsync(new Uri(_server.BaseUrl, "/a.png").ToString(), default));

        Assert.Contains("did not arrive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAnswerWithoutAContentTypeIsRefused()
    {
        _server.Respond = _ => GraphReply.File([1], null);

        await Assert.ThrowsAsync<MediaExampleException>(() => new MediaExampleFetcher(_http).FetchAsync(new Uri(_server.BaseUrl, "/a").ToString(), default));
    }

    [Fact]
    public async Task TheAppsClientRefusesLoopbackAndPrivateAddresses()
    {
        using var publicOnly = MediaExampleFetcher.CreateHttpClient(allowPrivateNetworks: false);

        var e = await Assert.ThrowsAsync<MediaExampleException>(() => new MediaExampleFetcher(publicOnly).FetchAsync(new Uri(_server.BaseUrl, "/a.png").ToString(), default));

        Assert.Contains("no public address", e.InnerException?.Message ?? e.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a9fe:a9fe", false)]    // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::7f00:1", false)]       // NAT64 of 127.0.0.1
    [InlineData("2002:c0a8:0101::1", false)]     // 6to4 of 192.168.1.1
    [InlineData("2001:0:4136:e378::1", false)]   // Teredo
    [InlineData("64:ff9b::5db8:d822", true)]     // NAT64 of 93.184.216.34
    [InlineData("2002:5db8:d822::1", true)]      // 6to4 of 93.184.216.34
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:2800:220:1::1", true)]
    public void OnlyPublicAddressesAreReached(string address, bool expected) =>
        Assert.Equal(expected, Functions.Hosting.PublicNetwork.IsPublic(IPAddress.Parse(address)));
}
