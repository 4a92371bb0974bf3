using System.Buffers.Text;
using System.Web;
using Functions.Orders.Tracking;
using Functions.Storage.InMemory;
using Functions.Tenants;
using Functions.Tests.TestSupport;
using Microsoft.Extensions.Options;

namespace Functions.Tests.Orders.Tracking;

/// <summary>
/// Tracking links: the token names tenant and order, is signed with the tenant's own secret,
/// expires, and any change to it (or a secret of another tenant) makes it worthless.
/// </summary>
public sealed class OrderTrackingTests : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(90);
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryTableStore _tables;
    private readonly TrackingSecrets _secrets;
    private readonly OrderTracking _tracking;

    public OrderTrackingTests()
    {
        _tables = new InMemoryTableStore(_time);
        _secrets = new TrackingSecrets(_tables, _time);
        _tracking = new OrderTracking(_secrets, Options.Create(new TrackingOptions { TrackingBaseUrl = "http://localhost:7071/", TrackingLinkLifetime = Lifetime }), _time);
    }

    public Task InitializeAsync() => _tables.CreateTableIfNotExistsAsync(TrackingSecrets.Table);

    public Task DisposeAsync() => Task.CompletedTask;

    private static Tenant Shop(string id, string? publicBaseUrl = null) =>
        new(id, "Shop " + id, "Asia/Hong_Kong", "en", null, publicBaseUrl, ProviderSettings.Sandbox, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static string TokenOf(Uri link) => HttpUtility.ParseQueryString(link.Query)["token"]!;

    [Fact]
    public async Task ALinkPointsAtTheTrackingPageOfTheTenantsPublicBaseUrlElseTheSetting()
    {
        var own = await _tracking.LinkAsync(Shop("acme", "https://track.acme.example/"), "IQma2srqAkqb7YQ0uYwFnA", default);
        var fallback = await _tracking.LinkAsync(Shop("bolt"), "1042", default);

        Assert.Equal("https://track.acme.example/api/orders/track", own.GetLeftPart(UriPartial.Path));
        Assert.Equal("http://localhost:7071/api/orders/track", fallback.GetLeftPart(UriPartial.Path));
        Assert.True(own.IsAbsoluteUri);
        // Compact and URL-safe: nothing in it needs escaping, and a WhatsApp message carries it whole.
        var token = TokenOf(own);
        Assert.Equal(token, Uri.EscapeDataString(token));
        Assert.InRange(token.Length, 40, 120);
    }

    [Fact]
    public async Task ATokenRoundTripsToItsTenantOrderAndExpiry()
    {
        var link = await _tracking.LinkAsync(Shop("acme"), "A-1042.x_9", default);

        var check = await _tracking.VerifyAsync(TokenOf(link), default);

        Assert.Equal(TrackingTokenStatus.Valid, check.Status);
        Assert.Equal(("acme", "A-1042.x_9", 1), (check.Claims!.TenantId, check.Claims.OrderId, check.Claims.KeyVersion));
        Assert.Equal(_time.GetUtcNow() + Lifetime, check.Claims.ExpiresOn);
    }

    [Fact]
    public async Task ChangingAnyBitOfAnyByteOfTheTokenMakesItWorthless()
    {
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));
        var bytes = Base64Url.DecodeFromChars(token);

        for (var i = 0; i < bytes.Length; i++)
        {
            foreach (var flip in new byte[] { 0x01, 0x80, 0xFF })
            {
                var tampered = (byte[])bytes.Clone();
                tampered[i] ^= flip;
                var check = await _tracking.VerifyAsync(Base64Url.EncodeToString(tampered), default);
                Assert.True(check.Status is TrackingTokenStatus.Invalid or TrackingTokenStatus.Malformed, $"byte {i} ^ {flip:X2} gave {check.Status}");
                Assert.Null(check.Claims);
            }
        }
    }

    [Fact]
    public async Task ChangingAnyCharacterOfTheTokenMakesItWorthless()
    {
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));

        for (var i = 0; i < token.Length; i++)
        {
            var other = token[i] == 'A' ? 'B' : 'A';
            var tampered = token[..i] + other + token[(i + 1)..];
            Assert.NotEqual(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(tampered, default)).Status);
        }
    }

    [Theory]
    [InlineData(null, TrackingTokenStatus.Missing)]
    [InlineData("", TrackingTokenStatus.Missing)]
    [InlineData("not a token", TrackingTokenStatus.Malformed)]
    [InlineData("AQAAAAE", TrackingTokenStatus.Malformed)]
    [InlineData("%%%%", TrackingTokenStatus.Malformed)]
    public async Task AMissingOrMalformedTokenIsToldApart(string? token, TrackingTokenStatus expected)
    {
        Assert.Equal(expected, (await _tracking.VerifyAsync(token, default)).Status);
    }

    [Fact]
    public async Task ATruncatedPaddedOrOverlongTokenIsMalformed()
    {
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));

        Assert.Equal(TrackingTokenStatus.Malformed, (await _tracking.VerifyAsync(token[..^4], default)).Status);
        Assert.Equal(TrackingTokenStatus.Malformed, (await _tracking.VerifyAsync(token + "AAAA", default)).Status);
        Assert.Equal(TrackingTokenStatus.Malformed, (await _tracking.VerifyAsync(token + "=", default)).Status);
        Assert.Equal(TrackingTokenStatus.Malformed, (await _tracking.VerifyAsync(token + new string('A', TrackingToken.MaxTokenChars), default)).Status);
    }

    [Fact]
    public async Task ATokenWorksUntilTheSecondItExpires()
    {
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));

        _time.Advance(Lifetime - TimeSpan.FromSeconds(1));
        Assert.Equal(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(token, default)).Status);

        _time.Advance(TimeSpan.FromSeconds(1));
        var expired = await _tracking.VerifyAsync(token, default);
        Assert.Equal(TrackingTokenStatus.Expired, expired.Status);
        Assert.Equal("acme", expired.Claims!.TenantId); // genuine, so the page may name the shop
    }

    [Fact]
    public async Task ALinkMadeBetweenSecondsExpiresOnTheSecondBeforeItsFullLifetime()
    {
        _time.Advance(TimeSpan.FromMilliseconds(700));
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));

        _time.Advance(Lifetime - TimeSpan.FromMilliseconds(700));
        Assert.Equal(TrackingTokenStatus.Expired, (await _tracking.VerifyAsync(token, default)).Status);
    }

    [Fact]
    public async Task EachTenantSignsWithItsOwnSecret()
    {
        await _tracking.LinkAsync(Shop("acme"), "1042", default);
        await _tracking.LinkAsync(Shop("bolt"), "1042", default);

        var acme = await _secrets.CurrentAsync("acme", default);
        var bolt = await _secrets.CurrentAsync("bolt", default);

        Assert.NotEqual(acme.Key, bolt.Key);
        Assert.Equal(32, acme.Key.Length);
    }

    [Fact]
    public async Task ATokenNamingAnotherTenantSignedWithOnesOwnSecretIsRefused()
    {
        await _tracking.LinkAsync(Shop("bolt"), "1042", default); // bolt has a secret of its own
        var acme = await _secrets.CurrentAsync("acme", default);

        var forged = TrackingToken.Create(new TrackingClaims("bolt", "1042", acme.Version, _time.GetUtcNow().AddDays(1)), acme.Key);

        Assert.Equal(TrackingTokenStatus.Invalid, (await _tracking.VerifyAsync(forged, default)).Status);
    }

    [Fact]
    public async Task ATokenNamingATenantWithoutSecretsIsRefusedAndCreatesNone()
    {
        var acme = await _secrets.CurrentAsync("acme", default);
        var forged = TrackingToken.Create(new TrackingClaims("nobody", "1042", 1, _time.GetUtcNow().AddDays(1)), acme.Key);

        Assert.Equal(TrackingTokenStatus.Invalid, (await _tracking.VerifyAsync(forged, default)).Status);
        Assert.Empty((await _tables.QueryAsync(TrackingSecrets.Table, new Functions.Storage.TableQuery("nobody"))).Entities);
    }

    [Fact]
    public async Task ATenantsFirstSecretIsCreatedOnceHoweverManyLinksRaceForIt()
    {
        var shop = Shop("acme");
        // Each racer on its own instance (as on separate app instances), so none sees another's cache.
        var racers = Enumerable.Range(0, 16).Select(_ => new OrderTracking(new TrackingSecrets(_tables, _time),
            Options.Create(new TrackingOptions()), _time)).ToList();

        var links = await Task.WhenAll(racers.Select((r, i) => Task.Run(() => r.LinkAsync(shop, "order-" + i, default))));

        Assert.Single((await _tables.QueryAsync(TrackingSecrets.Table, new Functions.Storage.TableQuery("acme"))).Entities);
        foreach (var link in links)
        {
            Assert.Equal(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(TokenOf(link), default)).Status);
        }
    }

    [Fact]
    public async Task RotatingKeepsOlderLinksWorkingAndRetiringStopsThem()
    {
        var shop = Shop("acme");
        var before = TokenOf(await _tracking.LinkAsync(shop, "1042", default));

        Assert.Equal(2, await _secrets.RotateAsync("acme", retireOlder: false, default));
        var after = TokenOf(await _tracking.LinkAsync(shop, "1042", default));
        Assert.Equal(2, (await _tracking.VerifyAsync(after, default)).Claims!.KeyVersion);
        Assert.Equal(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(before, default)).Status);

        Assert.Equal(3, await _secrets.RotateAsync("acme", retireOlder: true, default));
        Assert.Equal(TrackingTokenStatus.Invalid, (await _tracking.VerifyAsync(before, default)).Status);
        Assert.Equal(TrackingTokenStatus.Invalid, (await _tracking.VerifyAsync(after, default)).Status);
        Assert.Equal(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(TokenOf(await _tracking.LinkAsync(shop, "1042", default)), default)).Status);
    }

    [Fact]
    public async Task ARotationOnAnotherInstanceIsSeenWhenItsLinksArrive()
    {
        var shop = Shop("acme");
        await _tracking.LinkAsync(shop, "1042", default); // this instance caches version 1
        var elsewhere = new OrderTracking(new TrackingSecrets(_tables, _time), Options.Create(new TrackingOptions()), _time);
        await new TrackingSecrets(_tables, _time).RotateAsync("acme", retireOlder: false, default);

        var newer = TokenOf(await elsewhere.LinkAsync(shop, "1042", default));

        Assert.Equal(TrackingTokenStatus.Valid, (await _tracking.VerifyAsync(newer, default)).Status);
    }

    [Fact]
    public async Task ForgettingATenantStopsAllItsLinks()
    {
        var token = TokenOf(await _tracking.LinkAsync(Shop("acme"), "1042", default));

        await _secrets.ForgetTenantAsync("acme", default);

        Assert.Equal(TrackingTokenStatus.Invalid, (await _tracking.VerifyAsync(token, default)).Status);
    }

    [Fact]
    public async Task SecretsNeverShowInTextAndOrderIdsTooLongForALinkAreRefused()
    {
        var secret = await _secrets.CurrentAsync("acme", default);

        Assert.DoesNotContain(Convert.ToBase64String(secret.Key), secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(secret.Key), secret.ToString(), StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<ArgumentException>(() => _tracking.LinkAsync(Shop("acme"), "", default));
        await Assert.ThrowsAsync<ArgumentException>(() => _tracking.LinkAsync(Shop("acme"), new string('x', TrackingToken.MaxOrderIdBytes + 1), default));
    }

    [Theory]
    [InlineData("not a url", "00:10:00", "Orders:TrackingBaseUrl")]
    [InlineData("ftp://x.example", "00:10:00", "Orders:TrackingBaseUrl")]
    [InlineData("https://x.example/?a=1", "00:10:00", "Orders:TrackingBaseUrl")]
    [InlineData("https://x.example", "00:00:10", "Orders:TrackingLinkLifetime")]
    [InlineData("https://x.example", "3651.00:00:00", "Orders:TrackingLinkLifetime")]
    public void BadSettingsAreNamed(string baseUrl, string lifetime, string setting)
    {
        var problems = new TrackingOptions { TrackingBaseUrl = baseUrl, TrackingLinkLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture) }.Problems().ToList();

        Assert.Contains(problems, p => p.StartsWith(setting, StringComparison.Ordinal));
    }
}
