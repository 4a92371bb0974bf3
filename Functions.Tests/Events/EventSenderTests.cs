using Functions.Events;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Events;

/// <summary>The client that posts events: public addresses only (checked when connecting), no redirects, the back-off schedule.</summary>
public sealed class EventSenderTests : IAsyncLifetime
{
    private FakeEventReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await FakeEventReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static Task<SendOutcome> PostAsync(EventSender sender, Uri url) =>
        sender.PostAsync(url, "{}"u8.ToArray(), new Dictionary<string, string>(), TimeSpan.FromSeconds(2), default);

    [Fact]
    public async Task ThePublicOnlyClientRefusesToConnectToALoopbackAddress()
    {
        using var http = EventSender.CreateHttpClient(allowPrivateNetworks: false);
        var sender = new EventSender(http, new ManualTimeProvider(DateTimeOffset.UnixEpoch));

        var byAddress = await PostAsync(sender, _receiver.Url);
        // A name that resolves to loopback is refused as well: the check is on the address connected to, not the name.
        var byName = await PostAsync(sender, new UriBuilder(_receiver.Url) { Host = "localhost" }.Uri);

        Assert.Equal((null, null), (byAddress.StatusCode, byName.StatusCode));
        Assert.Contains("Could not reach", byAddress.Error);
        Assert.Empty(_receiver.Received);
    }

    [Fact]
    public async Task TheClientAllowedPrivateNetworksReachesTheReceiverAndFollowsNoRedirect()
    {
        using var http = EventSender.CreateHttpClient(allowPrivateNetworks: true);
        var sender = new EventSender(http, new ManualTimeProvider(DateTimeOffset.UnixEpoch));
        _receiver.Script(new ReceiverReply(307, new Dictionary<string, string> { ["Location"] = _receiver.Url + "/elsewhere" }));

        var redirected = await PostAsync(sender, _receiver.Url);
        var ok = await PostAsync(sender, _receiver.Url);

        Assert.Equal((307, 200), (redirected.StatusCode, ok.StatusCode));
        Assert.Equal(2, _receiver.Received.Count);
        Assert.All(_receiver.Received, r => Assert.Equal("/hooks/whatsapp", r.Path));
    }

    [Fact]
    public async Task ARetryAfterDateIsReadAsTheWaitFromNow()
    {
        using var http = EventSender.CreateHttpClient(allowPrivateNetworks: true);
        var now = new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
        var sender = new EventSender(http, new ManualTimeProvider(now));
        _receiver.Script(new ReceiverReply(503, new Dictionary<string, string> { ["Retry-After"] = now.AddMinutes(10).ToString("R") }));

        Assert.Equal(TimeSpan.FromMinutes(10), (await PostAsync(sender, _receiver.Url)).RetryAfter);
    }

    [Fact]
    public void TheDefaultScheduleDoublesFrom30SecondsTo4HoursAndSpansHalfADay()
    {
        var options = new EventsOptions();
        var waits = Enumerable.Range(2, options.MaxAttempts - 1).Select(n => options.DelayBefore(n, null)).ToList();

        Assert.Equal(TimeSpan.FromSeconds(30), waits[0]);
        Assert.Equal(TimeSpan.FromMinutes(1), waits[1]);
        Assert.Equal(TimeSpan.FromHours(4), waits[^1]);
        Assert.All(waits.Zip(waits.Skip(1)), w => Assert.True(w.Second == w.First * 2 || w.Second == options.RetryMaxDelay));
        Assert.InRange(waits.Aggregate(TimeSpan.Zero, (a, b) => a + b), TimeSpan.FromHours(12), TimeSpan.FromHours(13));
    }

    [Fact]
    public void ARetryAfterLongerThanTheBackOffIsHonouredUpToADay()
    {
        var options = new EventsOptions();

        Assert.Equal(TimeSpan.FromMinutes(5), options.DelayBefore(2, TimeSpan.FromMinutes(5)));
        Assert.Equal(TimeSpan.FromSeconds(30), options.DelayBefore(2, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromDays(1), options.DelayBefore(2, TimeSpan.FromDays(3)));
    }

    [Theory]
    [InlineData("https://hooks.example.com/x", true, false, null)]
    [InlineData("http://hooks.example.com/x", false, false, null)]
    [InlineData("http://127.0.0.1:5000/x", false, true, null)]
    [InlineData("https://127.0.0.1/x", true, false, "private")]
    [InlineData("https://172.20.0.1/x", true, false, "private")]
    [InlineData("https://100.64.0.1/x", true, false, "private")]
    [InlineData("https://[fd00::1]/x", true, false, "private")]
    [InlineData("https://[::ffff:10.0.0.1]/x", true, false, "private")]
    [InlineData("https://api.localhost/x", true, false, "private")]
    [InlineData("https://hooks.example.com/x#frag", true, false, "fragment")]
    public void SubscriptionUrlsAreCheckedAgainstTheSettings(string url, bool requireHttps, bool allowPrivate, string? problem)
    {
        var found = EventSender.UrlProblem(url, new EventsOptions { RequireHttps = requireHttps, AllowPrivateNetworks = allowPrivate });

        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }
}
