using Functions.Contacts;
using Functions.Tenants;

namespace Functions.Tests.Contacts;

public sealed class ConsentKeywordsTests
{
    private readonly ConsentKeywords _keywords = new(extraOptOut: ["nej tack"], extraOptIn: ["ja tack"]);

    [Theory]
    [InlineData("STOP")]
    [InlineData("  stop. ")]
    [InlineData("Stop!")]
    [InlineData("UNSUBSCRIBE")]
    [InlineData("Stopp")]          // Swedish and German
    [InlineData("avsluta")]
    [InlineData("Arrêt")]           // accents folded
    [InlineData("darme de baja")]
    [InlineData("opt-out")]
    [InlineData("退订")]
    [InlineData("Nej tack")]        // the tenant's own word
    public void TheKeywordAloneOptsOut(string message) => Assert.Equal(ConsentKeyword.OptOut, _keywords.Classify(message));

    [Theory]
    [InlineData("START")]
    [InlineData("unstop")]
    [InlineData("Starta")]
    [InlineData("ja tack")]
    public void StartAndItsTranslationsOptBackIn(string message) => Assert.Equal(ConsentKeyword.OptIn, _keywords.Classify(message));

    [Theory]
    [InlineData("please don't stop my order")]
    [InlineData("When will it stop raining?")]
    [InlineData("Hi, where is my order #12345678?")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("stopstopstopstopstopstopstopstopstopstopstop")]
    [InlineData("Yes")]       // confirms an appointment, not marketing
    [InlineData("CANCEL")]    // "reply CONFIRM or CANCEL"
    [InlineData("end")]
    public void KeywordsInsideSentencesAreNotConsentChanges(string? message) => Assert.Equal(ConsentKeyword.None, _keywords.Classify(message));

    [Fact]
    public void AWordInBothListsMeansStop()
    {
        var keywords = new ConsentKeywords(extraOptIn: ["stop"]);
        Assert.Equal(ConsentKeyword.OptOut, keywords.Classify("stop"));
    }

    private static Tenant TenantWith(IReadOnlyList<string> optOut, IReadOnlyList<string> optIn)
    {
        var now = DateTimeOffset.UnixEpoch;
        return new Tenant("acme", "Acme", "UTC", "sv", null, null, ProviderSettings.Sandbox, now, now)
        {
            Consent = ConsentSettings.Default with { OptOutKeywords = optOut, OptInKeywords = optIn },
        };
    }

    [Theory]
    [InlineData("AVBRYT", ConsentKeyword.OptOut)]
    [InlineData("  Inga fler utskick! ", ConsentKeyword.OptOut)]
    [InlineData("inga   FLER-utskick", ConsentKeyword.OptOut)]
    [InlineData("Désinscription", ConsentKeyword.OptOut)]  // written without the accent by the tenant
    [InlineData("desinscription", ConsentKeyword.OptOut)]
    [InlineData("Återkom", ConsentKeyword.OptIn)]           // written with it: å is folded to a
    [InlineData("aterkom.", ConsentKeyword.OptIn)]
    [InlineData("STOP", ConsentKeyword.OptOut)]             // the built-in words still count
    [InlineData("start", ConsentKeyword.OptIn)]
    [InlineData("avbryt min order", ConsentKeyword.None)]   // and only alone
    public void ATenantsOwnWordsCountForItsContacts(string message, ConsentKeyword expected)
    {
        var keywords = ConsentKeywords.For(TenantWith(["Avbryt", "inga fler utskick", "desinscription"], ["återkom"]));
        Assert.Equal(expected, keywords.Classify(message));
    }

    [Fact]
    public void ATenantsWordsAreItsAlone()
    {
        var acme = ConsentKeywords.For(TenantWith(["avbryt"], []));
        var other = ConsentKeywords.For(TenantWith([], []));
        Assert.Equal(ConsentKeyword.OptOut, acme.Classify("Avbryt"));
        Assert.Equal(ConsentKeyword.None, other.Classify("Avbryt"));
        Assert.Equal(ConsentKeyword.None, ConsentKeywords.BuiltIn.Classify("Avbryt"));
    }
}
