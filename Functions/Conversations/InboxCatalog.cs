using System.Security.Cryptography;
using Azure;
using Functions.Storage;

namespace Functions.Conversations;

/// <summary>An agent of the tenant: who conversations are assigned to; <see cref="Available"/> agents take round-robin turns.</summary>
public sealed record InboxAgent(string Id, string Name, bool Available, DateTimeOffset CreatedOn)
{
    public const int MaxName = 100;

    public static bool IsValidId(string? id) => id is { Length: 14 } && id.StartsWith("ag", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);
}

/// <summary>A label from the tenant's tag catalog (name and highlight colour, <c>#rrggbb</c>); conversations hold its id.</summary>
public sealed record InboxTag(string Id, string Name, string Color, DateTimeOffset CreatedOn)
{
    public const int MaxName = 50;

    public static bool IsValidId(string? id) => id is { Length: 14 } && id.StartsWith("tg", StringComparison.Ordinal) && id[2..].All(char.IsAsciiHexDigitLower);

    public static bool IsValidColor(string? color) =>
        color is { Length: 7 } && color[0] == '#' && color[1..].All(char.IsAsciiHexDigit);
}

/// <summary>The tenant's inbox settings: whether new conversations are assigned round-robin.</summary>
public sealed record InboxSettings(bool RoundRobin);

/// <summary>A round-robin turn: the agent, and the cursor write that goes into the conversation's transaction.</summary>
internal sealed record RoundRobinTurn(string AgentId, TableTransactionAction CursorAction);

/// <summary>
/// The tenant's agents, tag catalog and inbox settings, kept in the tenant's partition of
/// <c>Conversations</c> next to its conversations: agents <c>a:&lt;id&gt;</c>, tags <c>t:&lt;id&gt;</c>
/// with a name guard <c>tn:&lt;lower-case name&gt;</c> written in the same transaction (names are
/// unique per tenant), settings <c>s:inbox</c>, which also holds the round-robin cursor (the agent
/// who took the last turn) so a new conversation's assignment and the cursor move together.
/// </summary>
public sealed class InboxCatalog(ITableStore tables, TimeProvider time)
{
    public const int MaxAgents = 500;
    public const int MaxTags = 200;
    private const string AgentPrefix = "a:";
    private const string TagPrefix = "t:";
    private const string TagNamePrefix = "tn:";
    private const string SettingsRowKey = "s:inbox";
    private const int MaxAttempts = 12;

    // Agents

    public async Task<IReadOnlyList<InboxAgent>> ListAgentsAsync(string tenantId, CancellationToken cancellationToken) =>
        [.. (await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(tenantId, AgentPrefix), cancellationToken)).Select(AgentFrom)];

    public async Task<InboxAgent?> FindAgentAsync(string tenantId, string agentId, CancellationToken cancellationToken) =>
        InboxAgent.IsValidId(agentId) && await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, AgentPrefix + agentId, cancellationToken) is { } row
            ? AgentFrom(row)
            : null;

    /// <summary>Adds an agent; null when the tenant has <see cref="MaxAgents"/> already.</summary>
    public async Task<InboxAgent?> AddAgentAsync(string tenantId, string name, bool available, CancellationToken cancellationToken)
    {
        if ((await ListAgentsAsync(tenantId, cancellationToken)).Count >= MaxAgents)
        {
            return null;
        }
        var agent = new InboxAgent("ag" + NewHex(), name, available, time.GetUtcNow());
        await tables.InsertAsync(Conversation.Table, AgentEntity(tenantId, agent), cancellationToken);
        return agent;
    }

    /// <summary>Renames an agent or sets its availability; null when there is no such agent.</summary>
    public async Task<InboxAgent?> UpdateAgentAsync(string tenantId, string agentId, string? name, bool? available, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!InboxAgent.IsValidId(agentId)
                || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, AgentPrefix + agentId, cancellationToken) is not { } row)
            {
                return null;
            }
            var agent = AgentFrom(row);
            var updated = agent with { Name = name ?? agent.Name, Available = available ?? agent.Available };
            try
            {
                await tables.ReplaceAsync(Conversation.Table, AgentEntity(tenantId, updated), row.ETag, cancellationToken);
                return updated;
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && (StorageErrorCodes.IsPreconditionFailed(ex) || StorageErrorCodes.IsNotFound(ex)))
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Removes an agent: it takes no more turns and cannot be assigned. Conversations assigned to
    /// it keep the id (shown without a name) until reassigned. False when there is no such agent.
    /// </summary>
    public async Task<bool> RemoveAgentAsync(string tenantId, string agentId, CancellationToken cancellationToken)
    {
        if (!InboxAgent.IsValidId(agentId))
        {
            return false;
        }
        try
        {
            await tables.DeleteAsync(Conversation.Table, tenantId, AgentPrefix + agentId, ETag.All, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsNotFound(ex))
        {
            return false;
        }
    }

    // Settings

    public async Task<InboxSettings> GetSettingsAsync(string tenantId, CancellationToken cancellationToken) =>
        new((await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, SettingsRowKey, cancellationToken))?.GetBoolean("RoundRobin") ?? false);

    /// <summary>Stores the settings, keeping the round-robin cursor.</summary>
    public async Task<InboxSettings> SetSettingsAsync(string tenantId, InboxSettings settings, CancellationToken cancellationToken)
    {
        await tables.UpsertAsync(Conversation.Table, new TableEntity(tenantId, SettingsRowKey) { ["RoundRobin"] = settings.RoundRobin }, TableUpsertMode.Merge, cancellationToken);
        return settings;
    }

    /// <summary>
    /// The next round-robin turn when the tenant switched it on and has an available agent: the
    /// first available agent (by id) after the one who took the last turn, wrapping around. The
    /// cursor write is conditional on the settings row's ETag, so of two conversations opened at
    /// once only one gets this turn; the other's transaction fails and is tried again.
    /// </summary>
    internal static async Task<RoundRobinTurn?> NextRoundRobinTurnAsync(ITableStore tables, string tenantId, CancellationToken cancellationToken)
    {
        var settings = await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, SettingsRowKey, cancellationToken);
        if (settings?.GetBoolean("RoundRobin") != true)
        {
            return null;
        }
        var available = (await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(tenantId, AgentPrefix) with
        {
            Filter = TableFilter.Equal("Available", true),
        }, cancellationToken)).Select(row => row.RowKey[AgentPrefix.Length..]).ToList();
        if (available.Count == 0)
        {
            return null;
        }
        var last = settings.GetString("LastAssignedAgentId") ?? "";
        var next = available.FirstOrDefault(id => string.CompareOrdinal(id, last) > 0) ?? available[0];
        var cursor = new TableEntity(tenantId, SettingsRowKey) { ["RoundRobin"] = true, ["LastAssignedAgentId"] = next };
        return new RoundRobinTurn(next, new TableTransactionAction(TableTransactionActionType.Replace, cursor, settings.ETag));
    }

    // Tags

    public async Task<IReadOnlyList<InboxTag>> ListTagsAsync(string tenantId, CancellationToken cancellationToken) =>
        [.. (await tables.QueryAllAsync(Conversation.Table, TableQuery.WithRowKeyPrefix(tenantId, TagPrefix), cancellationToken)).Select(TagFrom)];

    public async Task<InboxTag?> FindTagAsync(string tenantId, string tagId, CancellationToken cancellationToken) =>
        InboxTag.IsValidId(tagId) && await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, TagPrefix + tagId, cancellationToken) is { } row
            ? TagFrom(row)
            : null;

    /// <summary>Creates a tag; the outcome says whether the name was taken or the catalog is full.</summary>
    public async Task<(InboxTag? Tag, TagRefusal Refusal)> CreateTagAsync(string tenantId, string name, string color, CancellationToken cancellationToken)
    {
        if ((await ListTagsAsync(tenantId, cancellationToken)).Count >= MaxTags)
        {
            return (null, TagRefusal.CatalogFull);
        }
        var tag = new InboxTag("tg" + NewHex(), name, color, time.GetUtcNow());
        try
        {
            await tables.SubmitTransactionAsync(Conversation.Table,
            [
                new(TableTransactionActionType.Insert, TagEntity(tenantId, tag)),
                new(TableTransactionActionType.Insert, TagNameEntity(tenantId, name, tag.Id)),
            ], cancellationToken);
            return (tag, TagRefusal.None);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return (null, TagRefusal.NameTaken);
        }
    }

    /// <summary>Renames a tag and/or changes its colour; conversations hold the id, so they show the new name at once.</summary>
    public async Task<(InboxTag? Tag, TagRefusal Refusal)> UpdateTagAsync(string tenantId, string tagId, string? name, string? color, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!InboxTag.IsValidId(tagId)
                || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, TagPrefix + tagId, cancellationToken) is not { } row)
            {
                return (null, TagRefusal.NotFound);
            }
            var tag = TagFrom(row);
            var updated = tag with { Name = name ?? tag.Name, Color = color ?? tag.Color };
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Replace, TagEntity(tenantId, updated), row.ETag) };
            if (NameKey(updated.Name) != NameKey(tag.Name))
            {
                actions.Add(new(TableTransactionActionType.Delete, new TableEntity(tenantId, NameKey(tag.Name)), ETag.All));
                actions.Add(new(TableTransactionActionType.Insert, TagNameEntity(tenantId, updated.Name, tagId)));
            }
            else if (updated.Name != tag.Name)
            {
                actions.Add(new(TableTransactionActionType.UpsertReplace, TagNameEntity(tenantId, updated.Name, tagId)));
            }
            try
            {
                await tables.SubmitTransactionAsync(Conversation.Table, actions, cancellationToken);
                return (updated, TagRefusal.None);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                return (null, TagRefusal.NameTaken);
            }
            catch (TableTransactionFailedException ex) when (attempt < MaxAttempts && ex.Status is 412 or 404)
            {
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes a tag from the catalog. Conversations are not rewritten (that could be thousands of
    /// rows): views show only tags still in the catalog, and tag ids are never reused.
    /// </summary>
    public async Task<bool> DeleteTagAsync(string tenantId, string tagId, CancellationToken cancellationToken)
    {
        if (!InboxTag.IsValidId(tagId)
            || await tables.GetEntityIfExistsAsync(Conversation.Table, tenantId, TagPrefix + tagId, cancellationToken) is not { } row)
        {
            return false;
        }
        var tag = TagFrom(row);
        try
        {
            await tables.SubmitTransactionAsync(Conversation.Table,
            [
                new(TableTransactionActionType.Delete, row, row.ETag),
                new(TableTransactionActionType.Delete, new TableEntity(tenantId, NameKey(tag.Name)), ETag.All),
            ], cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            // Deleted or renamed meanwhile: delete what is there now.
            return await DeleteTagAsync(tenantId, tagId, cancellationToken);
        }
        return true;
    }

    private static string NameKey(string name) => TagNamePrefix + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name.Trim().ToLowerInvariant())))[..32];

    private static TableEntity TagNameEntity(string tenantId, string name, string tagId) => new(tenantId, NameKey(name)) { ["TagId"] = tagId };

    private static TableEntity AgentEntity(string tenantId, InboxAgent agent) => new(tenantId, AgentPrefix + agent.Id)
    {
        ["Name"] = agent.Name,
        ["Available"] = agent.Available,
        ["CreatedOn"] = agent.CreatedOn,
    };

    private static InboxAgent AgentFrom(TableEntity row) => new(
        row.RowKey[AgentPrefix.Length..], row.GetString("Name") ?? "", row.GetBoolean("Available") ?? false, row.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue);

    private static TableEntity TagEntity(string tenantId, InboxTag tag) => new(tenantId, TagPrefix + tag.Id)
    {
        ["Name"] = tag.Name,
        ["Color"] = tag.Color,
        ["CreatedOn"] = tag.CreatedOn,
    };

    private static InboxTag TagFrom(TableEntity row) => new(
        row.RowKey[TagPrefix.Length..], row.GetString("Name") ?? "", row.GetString("Color") ?? "#000000", row.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue);

    private static string NewHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}

public enum TagRefusal
{
    None,
    NotFound,
    NameTaken,
    CatalogFull,
}

/// <summary>The data of a <c>conversation.assigned</c> event: the new agent (null: unassigned), the previous one, and why (manual or round-robin).</summary>
public sealed record ConversationAssignedEvent(string ConversationId, string ContactPhone, string? AgentId, string? PreviousAgentId, string By);

/// <summary>The data of a <c>conversation.status</c> event; statuses as the API writes them ("active", "archived", "closed").</summary>
public sealed record ConversationStatusEvent(string ConversationId, string ContactPhone, string Status, string PreviousStatus)
{
    public static ConversationStatusEvent Of(Conversation after, ConversationStatus before) =>
        new(after.Id, after.ContactPhone, after.Status.ToString().ToLowerInvariant(), before.ToString().ToLowerInvariant());
}
