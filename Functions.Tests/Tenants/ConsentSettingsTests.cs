using Functions.Storage;
using Functions.Storage.InMemory;
using Functions.Tenants;

namespace Functions.Tests.Tenants;

public sealed class ConsentSettingsTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Tenant NewTenant(string id, ConsentSettings consent) =>
        new(id, "Acme", "Europe/Stockholm", "sv", "46", null, ProviderSettings.Sandbox, Now, Now) { Consent = consent };

    /// <summary>As large as validation allows, in text JSON would otherwise spell out as \uXXXX.</summary>
    private static ConsentSettings Largest()
    {
        string[] languages = ["en", "en_US", "sv", "de", "es", "pt_BR", "fr", "it", "nl", "zh_HK"];
        var replies = languages.ToDictionary(l => l, l => (l + " 您已退订 avregistrerad åäö ").PadRight(ConsentSettings.MaxReplyLength, '订'));
        return new(
            [.. Enumerable.Range(0, ConsentSettings.MaxKeywords).Select(i => $"avsluta nu {i} ".PadRight(ConsentSettings.MaxKeywordLength, 'ö'))],
            [.. Enumerable.Range(0, ConsentSettings.MaxKeywords).Select(i => $"börja igen {i} ".PadRight(ConsentSettings.MaxKeywordLength, 'å'))],
            replies, replies, SendConfirmation: false);
    }

    [Fact]
    public async Task TheLargestValidSettingsRoundTripThroughStorage()
    {
        var consent = Largest();
        Assert.Empty(TenantValidation.ValidateConsent(new(consent.OptOutKeywords, consent.OptInKeywords, consent.OptOutReplies!, consent.OptInReplies!, false), ConsentSettings.Default));
        var tables = new InMemoryTableStore(TimeProvider.System);
        await tables.CreateTableIfNotExistsAsync(Tenant.Table);
        var directory = new TenantDirectory(tables, TimeProvider.System);

        Assert.True(await directory.TryCreateAsync(NewTenant("acme", consent), default));

        var read = await directory.FindAsync("acme", default);
        Assert.Equal(consent, read!.Consent);
        Assert.Equal(NewTenant("acme", consent), read);
    }

    [Fact]
    public void ARowWrittenBeforeConsentSettingsReadsAsTheDefaults()
    {
        var row = NewTenant("old", Largest()).ToEntity();
        row["Consent"] = null;
        Assert.Equal(ConsentSettings.Default, Tenant.FromEntity(row).Consent);

        row["Consent"] = """{"OptOutKeywords":null,"SendConfirmation":false}""";
        Assert.Equal(ConsentSettings.Default with { SendConfirmation = false }, Tenant.FromEntity(row).Consent);
    }

    [Fact]
    public void SettingsCompareByValue()
    {
        var a = new ConsentSettings(["nej tack"], [], new Dictionary<string, string> { ["sv"] = "Hej då" }, new Dictionary<string, string>());
        var b = new ConsentSettings(new List<string> { "nej tack" }, [], new Dictionary<string, string> { ["sv"] = "Hej då" }, new Dictionary<string, string>());
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { OptOutReplies = new Dictionary<string, string> { ["sv"] = "Hej" } });
        Assert.NotEqual(a, b with { OptInKeywords = ["ja tack"] });
        Assert.NotEqual(a, b with { SendConfirmation = false });
    }

    [Fact]
    public void ARequestReplacesTheFieldsItGivesAndTidiesWords()
    {
        var current = new ConsentSettings(["nej tack"], ["ja tack"], new Dictionary<string, string> { ["sv"] = "Hej då" }, new Dictionary<string, string>());

        var changed = new ConsentSettingsRequest(OptOutKeywords: ["  Avbryt ", "avbryt!", "AVBRYT", "Sluta"], SendConfirmation: false).ApplyTo(current);

        Assert.Equal(["Avbryt", "Sluta"], changed.OptOutKeywords); // one of each, as first written
        Assert.Equal(["ja tack"], changed.OptInKeywords);
        Assert.Equal("Hej då", changed.OptOutReplies["sv"]);
        Assert.False(changed.SendConfirmation);
        Assert.Equal(ConsentSettings.Default, new ConsentSettingsRequest(OptOutKeywords: [], OptInKeywords: [], OptOutReplies: new Dictionary<string, string?>(), SendConfirmation: true)
            .ApplyTo(current with { OptOutReplies = new Dictionary<string, string>() }));
    }

    [Fact]
    public void AWordInOneListMayNotBeInTheOtherAlreadyStored()
    {
        var current = ConsentSettings.Default with { OptOutKeywords = ["Nej tack"] };
        var errors = TenantValidation.ValidateConsent(new(OptInKeywords: ["nej, TACK"]), current, "consent.");
        Assert.Contains("'nej, TACK'", Assert.Single(errors["consent.optInKeywords"]), StringComparison.Ordinal);
    }
}
