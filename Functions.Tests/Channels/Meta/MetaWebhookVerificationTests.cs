using System.Text;
using Functions.Channels;
using Functions.Channels.Meta;

namespace Functions.Tests.Channels.Meta;

public sealed class MetaWebhookVerificationTests
{
    private const string AppSecret = "6f1d2a9c3b7e4f5a8d0c1b2e3f4a5b6c";

    /// <summary>A messages webhook exactly as signed (518 bytes, with Meta's \u escapes left as they are).</summary>
    private const string SignedBody =
        """{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],"messages":[{"from":"16505551234","id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","text":{"body":"Does it come in another color? \u00e9\ud83d\ude00"},"type":"text"}]},"field":"messages"}]}]}""";

    /// <summary>
    /// Computed independently, outside .NET:
    /// <c>python3 -c "import hmac,hashlib; print(hmac.new(b'6f1d2a9c3b7e4f5a8d0c1b2e3f4a5b6c', open('payload.min','rb').read(), hashlib.sha256).hexdigest())"</c>
    /// </summary>
    private const string KnownSignature = "sha256=2814c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b351";

    /// <summary>The HMAC-SHA256 of an empty body under the same secret (also from python3).</summary>
    private const string EmptyBodySignature = "sha256=9ec46a0df8387a8ddd463d1dd91e1d96e180573b5c357707d9bc03232e6bce80";

    private static readonly MetaAccount Account = new("106540352242922", "102290129340398", "EAAGtestTOKEN123", AppSecret, "my-verify-token-7f3a");

    private static WebhookRequest Post(byte[] body, string? signature, string headerName = MetaWebhookVerification.SignatureHeader)
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json" };
        if (signature is not null)
        {
            headers[headerName] = signature;
        }
        return new WebhookRequest(new Uri("https://hooks.example.com/meta/webhook"), "POST", headers, body);
    }

    private static byte[] Body => Encoding.UTF8.GetBytes(SignedBody);

    [Fact]
    public void KnownGoodSignatureIsValid()
    {
        Assert.Equal(518, Body.Length);
        Assert.True(MetaWebhookVerification.IsValidSignature(AppSecret, Post(Body, KnownSignature)));
    }

    [Fact]
    public void UppercaseHexAndAnyHeaderCaseAreValid() =>
        Assert.True(MetaWebhookVerification.IsValidSignature(AppSecret,
            Post(Body, "sha256=" + KnownSignature["sha256=".Length..].ToUpperInvariant(), "x-hub-signature-256")));

    [Fact]
    public void OneTamperedByteIsInvalid()
    {
        var body = Body;
        body[^10] ^= 0x01;

        Assert.False(MetaWebhookVerification.IsValidSignature(AppSecret, Post(body, KnownSignature)));
    }

    [Fact]
    public void WrongSecretIsInvalid() =>
        Assert.False(MetaWebhookVerification.IsValidSignature("6f1d2a9c3b7e4f5a8d0c1b2e3f4a5b6d", Post(Body, KnownSignature)));

    [Fact]
    public void MissingHeaderIsInvalid() =>
        Assert.False(MetaWebhookVerification.IsValidSignature(AppSecret, Post(Body, null)));

    [Fact]
    public void Sha1PrefixIsInvalid() =>
        Assert.False(MetaWebhookVerification.IsValidSignature(AppSecret, Post(Body, "sha1=" + KnownSignature["sha256=".Length..])));

    [Fact]
    public void EmptyBodyIsInvalidEvenWhenItsSignatureMatches() =>
        Assert.False(MetaWebhookVerification.IsValidSignature(AppSecret, Post([], EmptyBodySignature)));

    [Theory]
    [InlineData("")]
    [InlineData("sha256=")]
    [InlineData("2814c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b351")]
    [InlineData("sha256=2814c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b35")]
    [InlineData("sha256=2814c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b3511")]
    [InlineData("sha256=zz14c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b351")]
    [InlineData("sha256=2814c98b80bc04bdbd93c11eb6e48e53dbf3e886abe7d45051854e24a080b351,sha256=00")]
    public void MalformedHeadersAreInvalid(string header) =>
        Assert.False(MetaWebhookVerification.IsValidSignature(AppSecret, Post(Body, header)));

    [Fact]
    public void SignatureCheckValidatesItsArguments()
    {
        Assert.Throws<ArgumentException>(() => MetaWebhookVerification.IsValidSignature("", Post(Body, KnownSignature)));
        Assert.Throws<ArgumentNullException>(() => MetaWebhookVerification.IsValidSignature(AppSecret, null!));
    }

    [Fact]
    public void SubscriptionWithTheRightTokenEchoesTheChallenge()
    {
        var result = MetaWebhookVerification.VerifySubscription("subscribe", "my-verify-token-7f3a", "1158201444", Account);

        Assert.True(result.IsAccepted);
        Assert.Equal("1158201444", result.Challenge);
        Assert.Null(result.Refusal);
    }

    [Theory]
    [InlineData("subscribe", "my-verify-token-7f3b", "1158201444")]
    [InlineData("subscribe", "my-verify-token-7f3", "1158201444")]
    [InlineData("subscribe", "", "1158201444")]
    [InlineData("subscribe", null, "1158201444")]
    [InlineData("unsubscribe", "my-verify-token-7f3a", "1158201444")]
    [InlineData(null, "my-verify-token-7f3a", "1158201444")]
    [InlineData("subscribe", "my-verify-token-7f3a", null)]
    [InlineData("subscribe", "my-verify-token-7f3a", "")]
    [InlineData("subscribe", "my-verify-token-7f3a", "<script>alert(1)</script>")]
    public void AnythingElseIsRefused(string? mode, string? token, string? challenge)
    {
        var result = MetaWebhookVerification.VerifySubscription(mode, token, challenge, Account);

        Assert.False(result.IsAccepted);
        Assert.Null(result.Challenge);
        Assert.NotNull(result.Refusal);
        Assert.DoesNotContain("my-verify-token", result.Refusal, StringComparison.Ordinal);
    }
}
