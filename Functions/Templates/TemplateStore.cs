using System.Text.Json;
using Azure;
using Functions.Storage;

namespace Functions.Templates;

/// <summary>
/// A tenant's templates. Rows: table <c>Templates</c>, PartitionKey = tenant:
/// <list type="bullet">
/// <item><c>v:&lt;name&gt;:&lt;language&gt;:&lt;version&gt;</c>: one version (four digits, so they sort);</item>
/// <item><c>h:&lt;name&gt;:&lt;language&gt;:&lt;time&gt;</c>: its history;</item>
/// <item><c>p:&lt;provider id&gt;</c>: which version a provider's template id is, for status webhooks.</item>
/// </list>
/// Changes to a version are optimistic (ETag) and retried on a concurrent change.
/// </summary>
public sealed class TemplateStore(ITableStore tables, TimeProvider time)
{
    public const string Table = "Templates";
    private const int MaxAttempts = 8;

    /// <summary>Orders history rows written in the same clock tick (a test clock, or a fast sequence).</summary>
    private long _sequence;

    private static string VersionsPrefix(string name, string language) => $"v:{name}:{language}:";

    private static string VersionKey(string name, string language, int version) => $"{VersionsPrefix(name, language)}{version:D4}";

    private static string ProviderKey(string providerTemplateId) => "p:" + providerTemplateId;

    /// <summary>Every version of one template, oldest first.</summary>
    public async Task<IReadOnlyList<(MessageTemplate Template, ETag ETag)>> VersionsAsync(string tenantId, string name, string language, CancellationToken cancellationToken)
    {
        var prefix = VersionsPrefix(name, language);
        var rows = await tables.QueryAllAsync(Table, TableQuery.WithRowKeyPrefix(tenantId, prefix), cancellationToken);
        return [.. rows.Select(r => (FromEntity(r), r.ETag))];
    }

    public async Task<MessageTemplate?> LatestAsync(string tenantId, string name, string language, CancellationToken cancellationToken) =>
        (await VersionsAsync(tenantId, name, language, cancellationToken)).Select(v => v.Template).LastOrDefault();

    /// <summary>The newest approved version, the one sends use.</summary>
    public async Task<MessageTemplate?> ApprovedAsync(string tenantId, string name, string language, CancellationToken cancellationToken) =>
        (await VersionsAsync(tenantId, name, language, cancellationToken)).Select(v => v.Template).LastOrDefault(t => t.Status == TemplateStatus.Approved);

    /// <summary>The latest version of each of the tenant's templates.</summary>
    public async Task<IReadOnlyList<MessageTemplate>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var rows = await tables.QueryAllAsync(Table, TableQuery.WithRowKeyPrefix(tenantId, "v:"), cancellationToken);
        return [.. rows.Select(FromEntity).GroupBy(t => (t.Name, t.Language)).Select(g => g.MaxBy(t => t.Version)!).OrderBy(t => t.Name, StringComparer.Ordinal).ThenBy(t => t.Language, StringComparer.Ordinal)];
    }

    /// <summary>Creates version 1 as a draft; false if the template exists.</summary>
    public async Task<MessageTemplate?> CreateAsync(string tenantId, TemplateDefinition definition, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var template = new MessageTemplate(definition, 1, TemplateStatus.Draft, now, now);
        try
        {
            await tables.InsertAsync(Table, ToEntity(tenantId, template), cancellationToken);
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            return null;
        }
        await RecordAsync(tenantId, template, "created", null, cancellationToken);
        return template;
    }

    /// <summary>
    /// Changes the template's text: the draft in place, or, when the latest version has been
    /// submitted or reviewed, a new draft version. Null when it is under review (pending).
    /// </summary>
    public async Task<(MessageTemplate? Template, bool UnderReview)> EditAsync(string tenantId, TemplateDefinition definition, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var versions = await VersionsAsync(tenantId, definition.Name, definition.Language, cancellationToken);
            if (versions.Count == 0)
            {
                return (null, false);
            }
            var (latest, etag) = versions[^1];
            if (latest.Status == TemplateStatus.Pending)
            {
                return (null, true);
            }
            var now = time.GetUtcNow();
            try
            {
                MessageTemplate edited;
                if (latest.Status == TemplateStatus.Draft)
                {
                    edited = latest with { Definition = definition, UpdatedOn = now };
                    await tables.ReplaceAsync(Table, ToEntity(tenantId, edited), etag, cancellationToken);
                }
                else
                {
                    edited = new MessageTemplate(definition, latest.Version + 1, TemplateStatus.Draft, now, now);
                    await tables.InsertAsync(Table, ToEntity(tenantId, edited), cancellationToken);
                }
                await RecordAsync(tenantId, edited, edited.Version == latest.Version ? "edited" : "new version", null, cancellationToken);
                return (edited, false);
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && (StorageErrorCodes.IsConflict(ex) || StorageErrorCodes.IsPreconditionFailed(ex)))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to one version and writes it; null from the change
    /// writes nothing. <paramref name="event"/> (with the change's detail) goes to the history
    /// when something changed.
    /// </summary>
    public async Task<MessageTemplate?> UpdateAsync(
        string tenantId, string name, string language, int version, string @event, Func<MessageTemplate, MessageTemplate?> change, CancellationToken cancellationToken, string? detail = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await tables.GetEntityIfExistsAsync(Table, tenantId, VersionKey(name, language, version), cancellationToken) is not { } row)
            {
                return null;
            }
            var current = FromEntity(row);
            if (change(current) is not { } updated || updated == current)
            {
                return current;
            }
            updated = updated with { UpdatedOn = time.GetUtcNow() };
            try
            {
                await tables.ReplaceAsync(Table, ToEntity(tenantId, updated), row.ETag, cancellationToken);
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && StorageErrorCodes.IsPreconditionFailed(ex))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
                continue;
            }
            if (updated.ProviderTemplateId is { } providerId && providerId != current.ProviderTemplateId)
            {
                await tables.UpsertAsync(Table, new TableEntity(tenantId, ProviderKey(providerId))
                {
                    ["Name"] = name,
                    ["Language"] = language,
                    ["Version"] = version,
                }, cancellationToken: cancellationToken);
            }
            await RecordAsync(tenantId, updated, @event, detail, cancellationToken);
            return updated;
        }
    }

    /// <summary>The version a provider's template id belongs to.</summary>
    public async Task<MessageTemplate?> FindByProviderIdAsync(string tenantId, string providerTemplateId, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(Table, tenantId, ProviderKey(providerTemplateId), cancellationToken) is { } row
        && await tables.GetEntityIfExistsAsync(Table, tenantId,
            VersionKey(row.GetString("Name") ?? "", row.GetString("Language") ?? "", row.GetInt32("Version") ?? 0), cancellationToken) is { } version
            ? FromEntity(version)
            : null;

    /// <summary>Deletes a template that was never submitted (every version a draft); false if it was.</summary>
    public async Task<bool?> DeleteDraftAsync(string tenantId, string name, string language, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(tenantId, name, language, cancellationToken);
        if (versions.Count == 0)
        {
            return null;
        }
        if (versions.Any(v => v.Template.Status != TemplateStatus.Draft))
        {
            return false;
        }
        foreach (var (template, etag) in versions)
        {
            await tables.DeleteAsync(Table, tenantId, VersionKey(name, language, template.Version), etag, cancellationToken);
        }
        return true;
    }

    private const string PromotionalWordsKey = "s:promotional-words";

    /// <summary>The tenant's own promotional words for the linter, by language (or <c>*</c>).</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> PromotionalWordsAsync(string tenantId, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(Table, tenantId, PromotionalWordsKey, cancellationToken) is { } row && row.GetString("Words") is { } json
            ? JsonSerializer.Deserialize<Dictionary<string, IReadOnlyList<string>>>(json) ?? []
            : new Dictionary<string, IReadOnlyList<string>>();

    public Task SetPromotionalWordsAsync(string tenantId, IReadOnlyDictionary<string, IReadOnlyList<string>> words, CancellationToken cancellationToken) =>
        tables.UpsertAsync(Table, new TableEntity(tenantId, PromotionalWordsKey) { ["Words"] = JsonSerializer.Serialize(words) }, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<TemplateEvent>> HistoryAsync(string tenantId, string name, string language, CancellationToken cancellationToken)
    {
        var prefix = $"h:{name}:{language}:";
        var rows = await tables.QueryAllAsync(Table, TableQuery.WithRowKeyPrefix(tenantId, prefix), cancellationToken);
        return [.. rows.Select(r => new TemplateEvent(
            r.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue,
            r.GetInt32("Version") ?? 0,
            r.GetString("Event") ?? "",
            Enum.TryParse<TemplateStatus>(r.GetString("Status"), out var status) ? status : TemplateStatus.Draft,
            r.GetString("Detail")))];
    }

    private Task RecordAsync(string tenantId, MessageTemplate template, string @event, string? detail, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        return tables.UpsertAsync(Table, new TableEntity(tenantId, $"h:{template.Name}:{template.Language}:{at.UtcTicks:D19}:{Interlocked.Increment(ref _sequence):D12}")
        {
            ["At"] = at,
            ["Version"] = template.Version,
            ["Event"] = @event,
            ["Status"] = template.Status.ToString(),
            ["Detail"] = detail,
        }, cancellationToken: cancellationToken);
    }

    private static TableEntity ToEntity(string tenantId, MessageTemplate t) => new(tenantId, VersionKey(t.Name, t.Language, t.Version))
    {
        ["Name"] = t.Name,
        ["Language"] = t.Language,
        ["Version"] = t.Version,
        ["Category"] = t.Definition.Category.ToString(),
        ["Label"] = t.Definition.Label,
        ["Components"] = JsonSerializer.Serialize(t.Definition.Components, JsonSerializerOptions.Web),
        ["Status"] = t.Status.ToString(),
        ["ProviderTemplateId"] = t.ProviderTemplateId,
        ["RejectionReason"] = t.RejectionReason,
        ["QualityRating"] = t.QualityRating,
        ["CreatedOn"] = t.CreatedOn,
        ["UpdatedOn"] = t.UpdatedOn,
        ["SubmittedOn"] = t.SubmittedOn,
    };

    private static MessageTemplate FromEntity(TableEntity e) => new(
        new TemplateDefinition(
            e.GetString("Name") ?? "",
            e.GetString("Language") ?? "",
            Enum.TryParse<TemplateCategory>(e.GetString("Category"), out var category) ? category : TemplateCategory.Utility,
            JsonSerializer.Deserialize<TemplateComponents>(e.GetString("Components") ?? "{}", JsonSerializerOptions.Web) ?? new TemplateComponents("", new Dictionary<string, string>()),
            e.GetString("Label")),
        e.GetInt32("Version") ?? 1,
        Enum.TryParse<TemplateStatus>(e.GetString("Status"), out var status) ? status : TemplateStatus.Draft,
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset("UpdatedOn") ?? DateTimeOffset.MinValue)
    {
        ProviderTemplateId = e.GetString("ProviderTemplateId"),
        RejectionReason = e.GetString("RejectionReason"),
        QualityRating = e.GetString("QualityRating"),
        SubmittedOn = e.GetDateTimeOffset("SubmittedOn"),
    };
}
