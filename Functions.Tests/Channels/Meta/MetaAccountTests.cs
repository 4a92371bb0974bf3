using Functions.Channels;
using Functions.Channels.Meta;

namespace Functions.Tests.Channels.Meta;

public sealed class MetaAccountTests
{
    [Theory]
    [InlineData("", "102290129340398", "tok", "sec", "ver", "PhoneNumberId")]
    [InlineData("+15551234567", "102290129340398", "tok", "sec", "ver", "PhoneNumberId")]
    [InlineData("106540352242922", "waba", "tok", "sec", "ver", "BusinessAccountId")]
    [InlineData("106540352242922", "102290129340398", " ", "sec", "ver", "AccessToken")]
    [InlineData("106540352242922", "102290129340398", "tok\r\nX-Evil: 1", "sec", "ver", "AccessToken")]
    [InlineData("106540352242922", "102290129340398", "tok", "", "ver", "AppSecret")]
    [InlineData("106540352242922", "102290129340398", "tok", "sec", "", "VerifyToken")]
    public void InvalidFieldsAreNamed(string phoneNumberId, string wabaId, string token, string secret, string verifyToken, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new MetaAccount(phoneNumberId, wabaId, token, secret, verifyToken));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok\r\n", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12ab")]
    [InlineData("")]
    [InlineData("123456789012345678901234567890123")]
    public void AnAppIdIsAGraphId(string appId)
    {
        var e = Assert.Throws<ArgumentException>(() => new MetaAccount("106540352242922", "102290129340398", "tok", "sec", "ver") { AppId = appId });

        Assert.Contains("AppId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAppIdIsOptional()
    {
        Assert.Null(new MetaAccount("106540352242922", "102290129340398", "tok", "sec", "ver").AppId);
        Assert.Equal("987654321012345", new MetaAccount("106540352242922", "102290129340398", "tok", "sec", "ver") { AppId = "987654321012345" }.AppId);
    }

    [Fact]
    public void ToStringShowsIdsButNoSecrets()
    {
        var account = new MetaAccount("106540352242922", "102290129340398", "EAAGsecretTOKEN", "appsecret0123", "verifytoken42");

        var text = account.ToString();

        Assert.Contains("106540352242922", text, StringComparison.Ordinal);
        Assert.Contains("102290129340398", text, StringComparison.Ordinal);
        Assert.DoesNotContain("EAAGsecretTOKEN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("appsecret0123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("verifytoken42", text, StringComparison.Ordinal);
    }
}

public sealed class MetaErrorsTests
{
    [Theory]
    [InlineData(131047, 400, FailureReason.OutsideCareWindow)]
    [InlineData(130429, 429, FailureReason.RateLimited)]
    [InlineData(131048, 400, FailureReason.RateLimited)]
    [InlineData(131049, 400, FailureReason.RateLimited)]
    [InlineData(131056, 400, FailureReason.RateLimited)]
    [InlineData(80007, 400, FailureReason.RateLimited)]
    [InlineData(4, 400, FailureReason.RateLimited)]
    [InlineData(131026, 400, FailureReason.InvalidRecipient)]
    [InlineData(131030, 400, FailureReason.InvalidRecipient)]
    [InlineData(131050, 400, FailureReason.RecipientOptedOut)]
    [InlineData(132000, 400, FailureReason.TemplateProblem)]
    [InlineData(132016, 400, FailureReason.TemplateProblem)]
    [InlineData(132068, 400, FailureReason.TemplateProblem)]
    [InlineData(132069, 400, FailureReason.TemplateProblem)]
    [InlineData(190, 401, FailureReason.Unauthorized)]
    [InlineData(10, 403, FailureReason.Unauthorized)]
    [InlineData(200, 403, FailureReason.Unauthorized)]
    [InlineData(299, 403, FailureReason.Unauthorized)]
    [InlineData(100, 400, FailureReason.InvalidRequest)]
    [InlineData(131008, 400, FailureReason.InvalidRequest)]
    [InlineData(131009, 400, FailureReason.InvalidRequest)]
    [InlineData(131051, 400, FailureReason.InvalidRequest)]
    [InlineData(131052, 400, FailureReason.InvalidRequest)]
    [InlineData(131053, 400, FailureReason.InvalidRequest)]
    [InlineData(131000, 500, FailureReason.ProviderUnavailable)]
    [InlineData(131016, 503, FailureReason.ProviderUnavailable)]
    [InlineData(1, 400, FailureReason.ProviderUnavailable)]
    [InlineData(2, 503, FailureReason.ProviderUnavailable)]
    [InlineData(999999, 429, FailureReason.RateLimited)]
    [InlineData(999999, 401, FailureReason.Unauthorized)]
    [InlineData(999999, 403, FailureReason.Unauthorized)]
    [InlineData(999999, 502, FailureReason.ProviderUnavailable)]
    [InlineData(999999, 400, FailureReason.Other)]
    [InlineData(999999, 0, FailureReason.Other)]
    public void CodesClassify(int code, int httpStatus, FailureReason expected) =>
        Assert.Equal(expected, MetaErrors.Classify(code, httpStatus));

    [Fact]
    public void TheCodeWinsOverTheHttpStatus() =>
        Assert.Equal(FailureReason.OutsideCareWindow, MetaErrors.Classify(131047, 500));
}
