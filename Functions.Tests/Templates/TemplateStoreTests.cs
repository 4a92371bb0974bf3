using Functions.Storage.InMemory;
using Functions.Templates;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Templates;

/// <summary>Templates are versioned: a draft is edited in place; anything submitted gets a new version, never an edit.</summary>
public sealed class TemplateStoreTests : IAsyncLifetime
{
    private const string Tenant = "shop";
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryTableStore _tables;
    private readonly TemplateStore _store;

    public TemplateStoreTests()
    {
        _tables = new InMemoryTableStore(_time);
        _store = new TemplateStore(_tables, _time);
    }

    public Task InitializeAsync() => _tables.CreateTableIfNotExistsAsync(TemplateStore.Table);

    public Task DisposeAsync() => Task.CompletedTask;

    private static TemplateDefinition Shipped(string body = "Your order {{1}} has shipped.", string language = "en") =>
        new("order_shipped", language, TemplateCategory.Utility, new TemplateComponents(body, new Dictionary<string, string> { ["1"] = "#1042" }));

    [Fact]
    public async Task ANewTemplateIsADraftAndCannotBeCreatedTwice()
    {
        var created = await _store.CreateAsync(Tenant, Shipped(), default);

        Assert.Equal((1, TemplateStatus.Draft, "order_shipped"), (created!.Version, created.Status, created.ProviderName));
        Assert.Null(await _store.CreateAsync(Tenant, Shipped(), default));
        Assert.NotNull(await _store.CreateAsync(Tenant, Shipped(language: "sv"), default)); // another language is another template
    }

    [Fact]
    public async Task ADraftIsEditedInPlaceButAnApprovedTemplateGetsANewVersion()
    {
        await _store.CreateAsync(Tenant, Shipped(), default);
        var (edited, _) = await _store.EditAsync(Tenant, Shipped("Order {{1}} is on its way."), default);
        Assert.Equal((1, "Order {{1}} is on its way."), (edited!.Version, edited.Definition.Components.Body));

        await _store.UpdateAsync(Tenant, "order_shipped", "en", 1, "reviewed", t => t with { Status = TemplateStatus.Approved, ProviderTemplateId = "594425479261596" }, default);
        var (second, _) = await _store.EditAsync(Tenant, Shipped("Good news: order {{1}} has shipped."), default);

        Assert.Equal((2, TemplateStatus.Draft, "order_shipped_v2"), (second!.Version, second.Status, second.ProviderName));
        var approved = await _store.ApprovedAsync(Tenant, "order_shipped", "en", default);
        Assert.Equal((1, "Order {{1}} is on its way."), (approved!.Version, approved.Definition.Components.Body)); // untouched
        Assert.Equal(2, (await _store.LatestAsync(Tenant, "order_shipped", "en", default))!.Version);
        Assert.Equal(1, (await _store.FindByProviderIdAsync(Tenant, "594425479261596", default))!.Version);
    }

    [Fact]
    public async Task ATemplateUnderReviewCannotBeEdited()
    {
        await _store.CreateAsync(Tenant, Shipped(), default);
        await _store.UpdateAsync(Tenant, "order_shipped", "en", 1, "submitted", t => t with { Status = TemplateStatus.Pending }, default);

        var (edited, underReview) = await _store.EditAsync(Tenant, Shipped("Changed"), default);

        Assert.Null(edited);
        Assert.True(underReview);
    }

    [Fact]
    public async Task OnlyNeverSubmittedTemplatesCanBeDeleted()
    {
        await _store.CreateAsync(Tenant, Shipped(), default);
        await _store.CreateAsync(Tenant, Shipped(language: "sv"), default);
        await _store.UpdateAsync(Tenant, "order_shipped", "sv", 1, "submitted", t => t with { Status = TemplateStatus.Pending }, default);

        Assert.True(await _store.DeleteDraftAsync(Tenant, "order_shipped", "en", default));
        Assert.False(await _store.DeleteDraftAsync(Tenant, "order_shipped", "sv", default));
        Assert.Null(await _store.DeleteDraftAsync(Tenant, "order_shipped", "en", default));
        Assert.Equal(["sv"], (await _store.ListAsync(Tenant, default)).Select(t => t.Language));
    }

    [Fact]
    public async Task TheHistorySaysWhatHappenedInOrder()
    {
        await _store.CreateAsync(Tenant, Shipped(), default);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _store.UpdateAsync(Tenant, "order_shipped", "en", 1, "submitted", t => t with { Status = TemplateStatus.Pending }, default);
        _time.Advance(TimeSpan.FromMinutes(1));
        await _store.UpdateAsync(Tenant, "order_shipped", "en", 1, "reviewed", t => t with { Status = TemplateStatus.Rejected, RejectionReason = "INVALID_FORMAT" }, default, detail: "INVALID_FORMAT");

        var history = await _store.HistoryAsync(Tenant, "order_shipped", "en", default);

        Assert.Equal(["created", "submitted", "reviewed"], history.Select(h => h.Event));
        Assert.Equal((TemplateStatus.Rejected, "INVALID_FORMAT"), (history[^1].Status, history[^1].Detail));
    }

    [Fact]
    public async Task TemplatesWhoseNamesShareAPrefixStayApart()
    {
        await _store.CreateAsync(Tenant, Shipped(), default);
        await _store.CreateAsync(Tenant, Shipped() with { Name = "order_shipped_late" }, default);
        await _store.CreateAsync(Tenant, Shipped(language: "en_US"), default);

        Assert.Single(await _store.VersionsAsync(Tenant, "order_shipped", "en", default));
        Assert.Equal(3, (await _store.ListAsync(Tenant, default)).Count);
        Assert.Empty(await _store.ListAsync("other-shop", default));
    }
}
