using Azure;
using Functions.Storage;

namespace Functions.Tenants;

/// <summary>Reads and writes tenant rows; updates are optimistic (ETag) and retried on a concurrent change.</summary>
public sealed class TenantDirectory(ITableStore tables, TimeProvider time)
{
    public async Task<Tenant?> FindAsync(string id, CancellationToken cancellationToken) =>
        Tenant.IsValidId(id) && await tables.GetEntityIfExistsAsync(Tenant.Table, Tenant.Partition, id, cancellationToken) is { } row
            ? Tenant.FromEntity(row)
            : null;

    /// <summary>Creates the tenant; false if the slug is taken.</summary>
    public async Task<bool> TryCreateAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        try
        {
            await tables.InsertAsync(Tenant.Table, tenant.ToEntity(), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (StorageErrorCodes.IsConflict(ex))
        {
            return false;
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the stored tenant and writes the result. The change
    /// returns null to reject (nothing is written). Found is false when there is no such tenant.
    /// </summary>
    public async Task<(bool Found, Tenant? Updated)> UpdateAsync(string id, Func<Tenant, Tenant?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (!Tenant.IsValidId(id) || await tables.GetEntityIfExistsAsync(Tenant.Table, Tenant.Partition, id, cancellationToken) is not { } row)
            {
                return (false, null);
            }
            if (change(Tenant.FromEntity(row)) is not { } changed)
            {
                return (true, null);
            }
            var updated = changed with { UpdatedOn = time.GetUtcNow() };
            try
            {
                await tables.ReplaceAsync(Tenant.Table, updated.ToEntity(), row.ETag, cancellationToken);
                return (true, updated);
            }
            catch (RequestFailedException ex) when (StorageErrorCodes.IsPreconditionFailed(ex) && attempt < 5)
            {
                // Someone changed it meanwhile: apply the change again to their version.
            }
        }
    }

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken cancellationToken)
    {
        var rows = await tables.QueryAllAsync(Tenant.Table, new TableQuery(Tenant.Partition), cancellationToken);
        return [.. rows.Select(Tenant.FromEntity)];
    }
}
