using Functions.Channels;
using Functions.Channels.Twilio;
using static Functions.Tests.Channels.Twilio.TwilioClientTests;

namespace Functions.Tests.Channels.Twilio;

/// <summary><see cref="TwilioAccount"/>'s checks and secrecy, and <see cref="TwilioErrors"/>' table.</summary>
public sealed class TwilioAccountTests
{
    [Fact]
    public void AnAccountWithAnAuthTokenSignsInAndVerifiesWebhooksWithIt()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, from: Sender);

        Assert.False(account.UsesApiKey);
        Assert.Equal(AuthToken, account.WebhookAuthToken);
    }

    [Fact]
    public void AnAccountWithOnlyAnApiKeyCannotVerifyWebhooks()
    {
        var account = new TwilioAccount(AccountSid, apiKeySid: ApiKeySid, apiKeySecret: ApiKeySecret, from: Sender);

        Assert.True(account.UsesApiKey);
        var ex = Assert.Throws<InvalidOperationException>(() => account.WebhookAuthToken);
        Assert.Contains("auth token", ex.Message);
    }

    [Fact]
    public void AnAccountWithAnApiKeyAndTheAuthTokenVerifiesWebhooksWithTheToken()
    {
        var account = new TwilioAccount(AccountSid, authToken: AuthToken, apiKeySid: ApiKeySid, apiKeySecret: ApiKeySecret, messagingServiceSid: ServiceSid);

        Assert.True(account.UsesApiKey);
        Assert.Equal(AuthToken, account.WebhookAuthToken);
    }

    public static TheoryData<Func<TwilioAccount>, string> Invalid => new()
    {
        { () => new TwilioAccount("AC123", authToken: AuthToken, from: Sender), "AccountSid" },
        { () => new TwilioAccount("SK0123456789abcdef0123456789abcdef", authToken: AuthToken, from: Sender), "AccountSid" },
        { () => new TwilioAccount(AccountSid, from: Sender), "AuthToken" },
        { () => new TwilioAccount(AccountSid, authToken: " ", from: Sender), "AuthToken" },
        { () => new TwilioAccount(AccountSid, apiKeySid: "SK123", apiKeySecret: ApiKeySecret, from: Sender), "ApiKeySid" },
        { () => new TwilioAccount(AccountSid, apiKeySecret: ApiKeySecret, from: Sender), "ApiKeySid" },
        { () => new TwilioAccount(AccountSid, apiKeySid: ApiKeySid, from: Sender), "ApiKeySecret" },
        { () => new TwilioAccount(AccountSid, authToken: AuthToken, from: "whatsapp:+14155238886"), "From" },
        { () => new TwilioAccount(AccountSid, authToken: AuthToken, from: "14155238886"), "From" },
        { () => new TwilioAccount(AccountSid, authToken: AuthToken, messagingServiceSid: "MG12"), "MessagingServiceSid" },
        { () => new TwilioAccount(AccountSid, authToken: AuthToken), "From" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidSettingsAreRefusedNamingTheField(Func<TwilioAccount> create, string field)
    {
        var ex = Assert.Throws<ArgumentException>(create);

        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void ToStringShowsNoSecrets()
    {
        var text = new TwilioAccount(AccountSid, authToken: AuthToken, apiKeySid: ApiKeySid, apiKeySecret: ApiKeySecret, from: Sender).ToString();

        Assert.Contains(AccountSid, text);
        Assert.Contains(ApiKeySid, text);
        Assert.DoesNotContain(AuthToken, text);
        Assert.DoesNotContain(ApiKeySecret, text);
    }

    [Theory]
    [InlineData(63016, 400, FailureReason.OutsideCareWindow)]
    [InlineData(20429, 429, FailureReason.RateLimited)]
    [InlineData(63018, 0, FailureReason.RateLimited)]
    [InlineData(63017, 0, FailureReason.RateLimited)]
    [InlineData(null, 429, FailureReason.RateLimited)]
    [InlineData(21211, 400, FailureReason.InvalidRecipient)]
    [InlineData(21614, 400, FailureReason.InvalidRecipient)]
    [InlineData(63024, 0, FailureReason.InvalidRecipient)]
    [InlineData(63003, 0, FailureReason.InvalidRecipient)]
    [InlineData(21610, 400, FailureReason.RecipientOptedOut)]
    [InlineData(63014, 0, FailureReason.RecipientOptedOut)]
    [InlineData(63027, 0, FailureReason.TemplateProblem)]
    [InlineData(63028, 0, FailureReason.TemplateProblem)]
    [InlineData(63029, 0, FailureReason.TemplateProblem)]
    [InlineData(21656, 400, FailureReason.TemplateProblem)]
    [InlineData(20003, 401, FailureReason.Unauthorized)]
    [InlineData(null, 401, FailureReason.Unauthorized)]
    [InlineData(null, 403, FailureReason.Unauthorized)]
    [InlineData(63021, 0, FailureReason.InvalidRequest)]
    [InlineData(21408, 400, FailureReason.InvalidRequest)]
    [InlineData(99999, 400, FailureReason.InvalidRequest)]
    [InlineData(63032, 0, FailureReason.Other)]
    [InlineData(30003, 0, FailureReason.Other)]
    [InlineData(null, 500, FailureReason.ProviderUnavailable)]
    [InlineData(20500, 503, FailureReason.ProviderUnavailable)]
    public void TwilioCodesClassify(int? code, int httpStatus, FailureReason expected)
    {
        Assert.Equal(expected, TwilioErrors.Classify(code, httpStatus));
    }

    [Fact]
    public void AnErrorWithoutAMessageIsDescribedFromTheTable()
    {
        var error = TwilioErrors.ToProviderError(63016, null, 0);

        Assert.Equal("63016", error.Code);
        Assert.Equal(FailureReason.OutsideCareWindow, error.Reason);
        Assert.Contains("24-hour", error.Message);
    }
}

public sealed class E164MaskTests
{
    [Theory]
    [InlineData("+46701234567", "+4670****567")]
    [InlineData("whatsapp:+46701234567", "whatsapp:+4670****567")]
    [InlineData("+14155238886", "+1415****886")]
    [InlineData("+1234567", "******67")]
    [InlineData("", "")]
    public void NumbersAreMaskedForLogs(string number, string masked)
    {
        Assert.Equal(masked, E164.Mask(number));
    }
}
