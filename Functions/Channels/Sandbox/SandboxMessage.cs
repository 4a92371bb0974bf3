using System.Security.Cryptography;
using System.Text.Json;
using Functions.Storage;

namespace Functions.Channels.Sandbox;

/// <summary>What the sandbox reports after accepting a message.</summary>
public enum SandboxOutcome
{
    /// <summary>sent, delivered, read.</summary>
    Read,
    /// <summary>sent, then failed (a number ending 0131).</summary>
    Failed,
    /// <summary>The sender was told the outcome is unknown (a number ending 0408); sent, delivered and read still follow.</summary>
    OutcomeUnknown,
}

/// <summary>
/// A message the sandbox accepted, as it was sent. Rows: table <c>SandboxMessages</c>,
/// PartitionKey = tenant, RowKey = the id, which starts with the inverted send time (newest first).
/// </summary>
public sealed record SandboxMessage(string Id, string To, MessageKind Kind, DateTimeOffset SentOn, SandboxOutcome Outcome)
{
    public const string Table = "SandboxMessages";

    public string? Text { get; init; }
    public MediaContent? Media { get; init; }
    public LocationContent? Location { get; init; }
    public TemplateContent? Template { get; init; }
    public InteractiveContent? Interactive { get; init; }
    public ReactionContent? Reaction { get; init; }
    public string? ClientReference { get; init; }

    /// <summary><c>sbx</c>, the inverted time (19 digits) and 12 random hex digits: unique, and newest first in key order.</summary>
    public static string NewId(DateTimeOffset now) =>
        $"sbx{DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks:D19}{RandomNumberGenerator.GetHexString(12, lowercase: true)}";

    public static SandboxMessage Of(string id, OutboundMessage message, DateTimeOffset now, SandboxOutcome outcome) =>
        new(id, message.To, message.Kind, now, outcome)
        {
            Text = message.Text,
            Media = message.Media,
            Location = message.Location,
            Template = message.Template,
            Interactive = message.Interactive,
            Reaction = message.Reaction,
            ClientReference = message.ClientReference,
        };

    public TableEntity ToEntity(string tenantId) => new(tenantId, Id)
    {
        ["To"] = To,
        ["Kind"] = Kind.ToString(),
        ["SentOn"] = SentOn,
        ["Outcome"] = Outcome.ToString(),
        ["Text"] = Text,
        // Structured parts as JSON: none is ever filtered on.
        ["Content"] = JsonSerializer.Serialize(new StoredContent(Media, Location, Template, Interactive, Reaction)),
        ["ClientReference"] = ClientReference,
    };

    public static SandboxMessage FromEntity(TableEntity e)
    {
        var content = e.GetString("Content") is { } json ? JsonSerializer.Deserialize<StoredContent>(json) : null;
        return new SandboxMessage(
            e.RowKey,
            e.GetString("To") ?? "",
            Enum.TryParse<MessageKind>(e.GetString("Kind"), out var kind) ? kind : MessageKind.Unsupported,
            e.GetDateTimeOffset("SentOn") ?? DateTimeOffset.MinValue,
            Enum.TryParse<SandboxOutcome>(e.GetString("Outcome"), out var outcome) ? outcome : SandboxOutcome.Read)
        {
            Text = e.GetString("Text"),
            Media = content?.Media,
            Location = content?.Location,
            Template = content?.Template,
            Interactive = content?.Interactive,
            Reaction = content?.Reaction,
            ClientReference = e.GetString("ClientReference"),
        };
    }

    private sealed record StoredContent(
        MediaContent? Media, LocationContent? Location, TemplateContent? Template, InteractiveContent? Interactive, ReactionContent? Reaction);
}

/// <summary>A page of the sandbox's record, newest first.</summary>
public sealed record SandboxMessagePage(IReadOnlyList<SandboxMessage> Items, string? ContinuationToken);
