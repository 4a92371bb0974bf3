using Azure;
using Functions.Storage;
using Microsoft.Extensions.Options;

namespace Functions.Outbound;

/// <summary>
/// Spaces messages to the same recipient so the provider's per-recipient limit (Meta's pair rate
/// limit) is not hit, whatever sends them: agents, order notifications, broadcasts. A generic
/// cell rate algorithm keeps one time per recipient (the theoretical arrival time): a message may
/// go when that time, less the burst allowance, has come; each message pushes it one interval on.
/// Rows: table <c>RecipientPacing</c>, PartitionKey = tenant, RowKey = the recipient's E.164 number.
/// </summary>
public sealed class RecipientPacing(ITableStore tables, IOptions<OutboundOptions> options, TimeProvider time)
{
    public const string Table = "RecipientPacing";
    private const int MaxAttempts = 12;

    /// <summary>Reserves the next slot for a message to <paramref name="phone"/>: now, or a later time to send it at.</summary>
    public async Task<DateTimeOffset> ReserveAsync(string tenantId, string phone, CancellationToken cancellationToken)
    {
        var interval = options.Value.RecipientInterval;
        if (interval <= TimeSpan.Zero)
        {
            return time.GetUtcNow();
        }
        var tolerance = interval * (options.Value.RecipientBurst - 1);
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetEntityIfExistsAsync(Table, tenantId, phone, cancellationToken);
            var now = time.GetUtcNow();
            var arrival = row?.GetDateTimeOffset("Arrival") ?? now;
            var slot = arrival - tolerance > now ? arrival - tolerance : now;
            var next = (arrival > slot ? arrival : slot) + interval;
            var updated = new TableEntity(tenantId, phone) { ["Arrival"] = next };
            try
            {
                if (row is null) await tables.InsertAsync(Table, updated, cancellationToken);
                else await tables.ReplaceAsync(Table, updated, row.ETag, cancellationToken);
                return slot;
            }
            catch (RequestFailedException ex) when (attempt < MaxAttempts && (StorageErrorCodes.IsConflict(ex) || StorageErrorCodes.IsPreconditionFailed(ex)))
            {
                await Contention.PauseAsync(attempt, cancellationToken); // another send to the same person took the slot
            }
        }
    }
}
