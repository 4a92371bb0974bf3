using Functions.Contacts;
using Functions.Tenants;

namespace Functions.Tests.Contacts;

public sealed class ConsentRepliesTests
{
    private static readonly ConsentSettings Configured = ConsentSettings.Default with
    {
        OptOutReplies = new Dictionary<string, string> { ["en_US"] = "Bye, y'all.", ["en"] = "Goodbye.", ["sv"] = "Hej då.", ["pt"] = "Tchau." },
        OptInReplies = new Dictionary<string, string> { ["sv"] = "Välkommen tillbaka." },
    };

    [Theory]
    [InlineData("en_US", "sv", "Bye, y'all.")]   // the contact's language
    [InlineData("en-US", "sv", "Bye, y'all.")]   // however it is written
    [InlineData("en_GB", "sv", "Goodbye.")]      // its base language
    [InlineData("EN", "sv", "Goodbye.")]
    [InlineData("fi", "sv", "Hej då.")]          // the tenant's default language
    [InlineData(null, "sv", "Hej då.")]
    [InlineData("", "pt_BR", "Tchau.")]          // its base language
    [InlineData("de", "sv", "Hej då.")]          // the tenant's own text before a built-in one
    public void TheTenantsReplyInTheNearestLanguageIsChosen(string? contactLanguage, string tenantLanguage, string expected) =>
        Assert.Equal(expected, ConsentReplies.TextFor(ConsentKeyword.OptOut, contactLanguage, tenantLanguage, Configured));

    [Theory]
    [InlineData("de_AT", "en", "de")]   // the contact's base language
    [InlineData("fi", "sv", "sv")]      // no Finnish text: the tenant's default language
    [InlineData(null, "nl_BE", "nl")]
    [InlineData("fi", "fi", "en")]      // and English when neither has one
    [InlineData("zh_HK", "en", "zh")]
    public void WithoutTheTenantsOwnTextTheBuiltInOneIsChosen(string? contactLanguage, string tenantLanguage, string builtIn)
    {
        Assert.Equal(ConsentReplies.DefaultOptOut[builtIn], ConsentReplies.TextFor(ConsentKeyword.OptOut, contactLanguage, tenantLanguage, ConsentSettings.Default));
        Assert.Equal(ConsentReplies.DefaultOptIn[builtIn], ConsentReplies.TextFor(ConsentKeyword.OptIn, contactLanguage, tenantLanguage, ConsentSettings.Default));
    }

    [Fact]
    public void OptInAndOptOutHaveTheirOwnReplies()
    {
        Assert.Equal("Välkommen tillbaka.", ConsentReplies.TextFor(ConsentKeyword.OptIn, "sv", "en", Configured));
        Assert.Equal(ConsentReplies.DefaultOptIn["en"], ConsentReplies.TextFor(ConsentKeyword.OptIn, "en_US", "en", Configured));
    }

    [Fact]
    public void NothingIsSentWhenTheTenantSwitchedConfirmationsOffOrThereWasNoKeyword()
    {
        var off = Configured with { SendConfirmation = false };
        Assert.Null(ConsentReplies.TextFor(ConsentKeyword.OptOut, "sv", "sv", off));
        Assert.Null(ConsentReplies.TextFor(ConsentKeyword.OptIn, "sv", "sv", off));
        Assert.Null(ConsentReplies.TextFor(ConsentKeyword.None, "sv", "sv", Configured));
    }

    [Fact]
    public void TheTenantOverloadUsesItsDefaultLanguageAndSettings()
    {
        var now = DateTimeOffset.UnixEpoch;
        var tenant = new Tenant("acme", "Acme", "UTC", "sv", null, null, ProviderSettings.Sandbox, now, now) { Consent = Configured };
        Assert.Equal("Hej då.", ConsentReplies.TextFor(ConsentKeyword.OptOut, null, tenant));
    }

    [Fact]
    public void BuiltInRepliesCoverTheLanguagesOfTheBuiltInKeywords()
    {
        string[] languages = ["de", "en", "es", "fr", "it", "nl", "pt", "sv", "zh"];
        Assert.Equal(languages, ConsentReplies.DefaultOptOut.Keys.Order());
        Assert.Equal(languages, ConsentReplies.DefaultOptIn.Keys.Order());
    }

    [Fact]
    public void EveryBuiltInReplyNamesAKeywordThatUndoesIt()
    {
        foreach (var (language, text) in ConsentReplies.DefaultOptOut)
        {
            Assert.True(Words(text).Any(w => ConsentKeywords.BuiltIn.Classify(w) == ConsentKeyword.OptIn), $"The {language} opt-out reply names no opt-in word.");
        }
        foreach (var (language, text) in ConsentReplies.DefaultOptIn)
        {
            Assert.True(Words(text).Any(w => ConsentKeywords.BuiltIn.Classify(w) == ConsentKeyword.OptOut), $"The {language} opt-in reply names no opt-out word.");
        }

        static string[] Words(string text) => System.Text.RegularExpressions.Regex.Split(text, @"[^\p{L}\p{Nd}]+");
    }
}
