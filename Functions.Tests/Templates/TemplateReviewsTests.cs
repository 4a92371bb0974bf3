using System.Net;
using Functions.Channels;
using Functions.Templates;
using Functions.Tests.Outbound;
using Functions.Tests.TestSupport;

namespace Functions.Tests.Templates;

/// <summary>Meta's template status webhook, signed as Meta signs it, moves the template version it names.</summary>
public sealed class TemplateReviewsTests : IAsyncLifetime
{
    private SendingApp _app = null!;

    public async Task InitializeAsync() => _app = await SendingApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Review(string templateId, string name, string language, string @event, string reason = "NONE") => $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1763802000,"changes":[{"field":"message_template_status_update","value":{
          "event":"{{{@event}}}","message_template_id":{{{templateId}}},"message_template_name":"{{{name}}}","message_template_language":"{{{language}}}","reason":"{{{reason}}}"}}]}]}
        """;

    private async Task<MessageTemplate> SubmittedAsync(string name, string? providerId)
    {
        var store = _app.Get<TemplateStore>();
        await store.CreateAsync("mt", new TemplateDefinition(name, "en_US", TemplateCategory.Utility,
            new TemplateComponents("Your order {{1}} has shipped.", new Dictionary<string, string> { ["1"] = "#1042" })), default);
        return (await store.UpdateAsync("mt", name, "en_US", 1, "submitted", t => t with { Status = TemplateStatus.Pending, ProviderTemplateId = providerId }, default))!;
    }

    private async Task<MessageTemplate> WaitForAsync(string name, int version, TemplateStatus status)
    {
        MessageTemplate? found = null;
        await Eventually.TrueAsync(async () =>
            (found = (await _app.Get<TemplateStore>().VersionsAsync("mt", name, "en_US", default)).Select(v => v.Template).Single(t => t.Version == version)).Status == status,
            $"{name} v{version} became {status}");
        return found!;
    }

    [Fact]
    public async Task AnApprovalAndARejectionWithItsReasonAreApplied()
    {
        await SubmittedAsync("order_shipped", "594425479261596");
        await SubmittedAsync("spring_sale", "594425479261597");

        Assert.Equal(HttpStatusCode.OK, (await _app.PostMetaWebhookAsync(Review("594425479261596", "order_shipped", "en_US", "APPROVED"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.PostMetaWebhookAsync(Review("594425479261597", "spring_sale", "en_US", "REJECTED", "INCORRECT_CATEGORY"))).StatusCode);

        Assert.Null((await WaitForAsync("order_shipped", 1, TemplateStatus.Approved)).RejectionReason);
        Assert.Equal("INCORRECT_CATEGORY", (await WaitForAsync("spring_sale", 1, TemplateStatus.Rejected)).RejectionReason);
        var history = await _app.Get<TemplateStore>().HistoryAsync("mt", "spring_sale", "en_US", default);
        Assert.Equal("meta: REJECTED (INCORRECT_CATEGORY)", history[^1].Detail);
    }

    [Fact]
    public async Task AReviewFindsALaterVersionByItsProviderNameWhenTheIdIsNew()
    {
        var store = _app.Get<TemplateStore>();
        await SubmittedAsync("order_ready", "111");
        await store.UpdateAsync("mt", "order_ready", "en_US", 1, "reviewed", t => t with { Status = TemplateStatus.Approved }, default);
        await store.EditAsync("mt", new TemplateDefinition("order_ready", "en_US", TemplateCategory.Utility,
            new TemplateComponents("Order {{1}} is ready for pickup.", new Dictionary<string, string> { ["1"] = "#7" })), default);
        await store.UpdateAsync("mt", "order_ready", "en_US", 2, "submitted", t => t with { Status = TemplateStatus.Pending }, default);

        await _app.PostMetaWebhookAsync(Review("222", "order_ready_v2", "en_US", "APPROVED"));

        Assert.Equal("222", (await WaitForAsync("order_ready", 2, TemplateStatus.Approved)).ProviderTemplateId);
    }

    [Fact]
    public async Task APauseThenAReinstatementMoveAnApprovedTemplate()
    {
        await SubmittedAsync("order_paid", "333");
        await _app.PostMetaWebhookAsync(Review("333", "order_paid", "en_US", "APPROVED"));
        await WaitForAsync("order_paid", 1, TemplateStatus.Approved);

        await _app.PostMetaWebhookAsync(Review("333", "order_paid", "en_US", "PAUSED", "LOW_QUALITY"));
        Assert.Equal("LOW_QUALITY", (await WaitForAsync("order_paid", 1, TemplateStatus.Paused)).RejectionReason);
        await _app.PostMetaWebhookAsync(Review("333", "order_paid", "en_US", "REINSTATED"));
        await WaitForAsync("order_paid", 1, TemplateStatus.Approved);
    }

    [Theory]
    [InlineData("APPROVED", TemplateStatus.Approved)]
    [InlineData("approved", TemplateStatus.Approved)]
    [InlineData("FLAGGED", TemplateStatus.Approved)]
    [InlineData("REJECTED", TemplateStatus.Rejected)]
    [InlineData("IN_APPEAL", TemplateStatus.Pending)]
    [InlineData("received", TemplateStatus.Pending)]
    [InlineData("PAUSED", TemplateStatus.Paused)]
    [InlineData("PENDING_DELETION", TemplateStatus.Disabled)]
    [InlineData("SOMETHING_NEW", null)]
    public void ProviderWordsMapToOurStatuses(string word, TemplateStatus? expected) => Assert.Equal(expected, TemplateReviews.StatusFor(word));
}
