using System.Text.Json;
using Functions.Storage;

namespace Functions.Orders;

/// <summary>What one status sends: a template by name, or nothing when switched off.</summary>
public sealed record StatusNotification(string Template, bool Enabled = true);

/// <summary>
/// A tenant's order notification settings: which template each status sends (or none), whether
/// an event older than the order's status still notifies, and whether a notification goes as a
/// session (text) message while the customer's care window is open.
/// Row: table <c>Orders</c>, PartitionKey = tenant, RowKey <c>settings</c>.
/// </summary>
public sealed record OrderSettings(
    IReadOnlyDictionary<OrderStatus, StatusNotification> Statuses,
    bool NotifyOutOfOrder = false,
    bool SessionMessageInCareWindow = false)
{
    public const string RowKey = "settings";

    /// <summary>Every status on, with its default template (see <see cref="DefaultOrderTemplates"/>).</summary>
    public static OrderSettings Default { get; } = new(OrderStatuses.All.ToDictionary(s => s, s => new StatusNotification(DefaultOrderTemplates.Name(s))));

    /// <summary>The status's notification: the stored one, else the default.</summary>
    public StatusNotification For(OrderStatus status) =>
        Statuses.TryGetValue(status, out var notification) ? notification : new StatusNotification(DefaultOrderTemplates.Name(status));

    public TableEntity ToEntity(string tenantId) => new(tenantId, RowKey)
    {
        ["Statuses"] = JsonSerializer.Serialize(Statuses.ToDictionary(p => p.Key.ToString(), p => p.Value), JsonSerializerOptions.Web),
        ["NotifyOutOfOrder"] = NotifyOutOfOrder,
        ["SessionMessageInCareWindow"] = SessionMessageInCareWindow,
    };

    public static OrderSettings FromEntity(TableEntity e)
    {
        var stored = e.GetString("Statuses") is { } json
            ? JsonSerializer.Deserialize<Dictionary<string, StatusNotification>>(json, JsonSerializerOptions.Web) ?? []
            : [];
        var statuses = OrderStatuses.All.ToDictionary(s => s, s => stored.TryGetValue(s.ToString(), out var n) ? n : Default.For(s));
        return new(statuses, e.GetBoolean("NotifyOutOfOrder") ?? false, e.GetBoolean("SessionMessageInCareWindow") ?? false);
    }
}

/// <summary>Reads and writes a tenant's <see cref="OrderSettings"/> (defaults when none are stored).</summary>
public sealed class OrderSettingsStore(ITableStore tables)
{
    public async Task<OrderSettings> GetAsync(string tenantId, CancellationToken cancellationToken = default) =>
        await tables.GetEntityIfExistsAsync(Order.Table, tenantId, OrderSettings.RowKey, cancellationToken) is { } row
            ? OrderSettings.FromEntity(row)
            : OrderSettings.Default;

    public async Task<OrderSettings> PutAsync(string tenantId, OrderSettings settings, CancellationToken cancellationToken = default)
    {
        await tables.UpsertAsync(Order.Table, settings.ToEntity(tenantId), cancellationToken: cancellationToken);
        return settings;
    }
}
