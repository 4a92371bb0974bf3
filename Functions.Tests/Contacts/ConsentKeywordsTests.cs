using Functions.Contacts;

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
}
