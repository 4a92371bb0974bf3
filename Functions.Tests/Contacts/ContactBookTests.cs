using Functions.Contacts;
using Functions.Storage.InMemory;

namespace Functions.Tests.Contacts;

public sealed class ContactBookTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemoryTableStore _tables = new(TimeProvider.System);
    private ContactBook _book = null!;

    public async Task InitializeAsync()
    {
        await _tables.CreateTableIfNotExistsAsync(Contact.Table);
        _book = new ContactBook(_tables, TimeProvider.System);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TheNewestConsentWinsWhateverOrderItIsRecordedIn()
    {
        // START sent after STOP, but processed first.
        await _book.RecordConsentAsync("t", "+46701234567", new ConsentRecord(ConsentPurpose.Marketing, ConsentState.OptedIn, "keyword", "start", T0.AddMinutes(5)), default);
        var contact = await _book.RecordConsentAsync("t", "+46701234567", new ConsentRecord(ConsentPurpose.Marketing, ConsentState.OptedOut, "keyword", "stop", T0), default);

        Assert.Equal(ConsentState.OptedIn, contact.Marketing);
        var history = await _book.ConsentHistoryAsync("t", "+46701234567", default);
        Assert.Equal(["start", "stop"], history.Select(h => h.Evidence));
        Assert.Equal(history[0].State, contact.Marketing); // the state agrees with the newest evidence
    }

    [Fact]
    public async Task AConsentRecordWithAKeyIsKeptOnceHoweverOftenItComes()
    {
        var record = new ConsentRecord(ConsentPurpose.Utility, ConsentState.OptedOut, "keyword", "message meta:wamid.1", T0) { IdempotencyKey = "abc123" };
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _book.RecordConsentAsync("t", "+46707654321", record, default)));
        Assert.Single(await _book.ConsentHistoryAsync("t", "+46707654321", default));
        Assert.Equal(ConsentState.OptedOut, (await _book.FindAsync("t", "+46707654321", default))!.Utility);
    }
}
