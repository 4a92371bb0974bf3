using Azure;
using Functions.Storage;

namespace Functions.Contacts;

/// <summary>A tenant's contacts and their consent ledger, with optimistic concurrency on every change.</summary>
public sealed class ContactBook(ITableStore tables, TimeProvider time)
{
    private const int MaxAttempts = 12;

    public async Task<Contact?> FindAsync(string tenantId, string phone, CancellationToken cancellationToken) =>
        await tables.GetEntityIfExistsAsync(Contact.Table, tenantId, Contact.RowKey(phone), cancellationToken) is { } row
            ? Contact.FromEntity(row)
            : null;

    /// <summary>
    /// Applies <paramref name="change"/> to the contact, creating it first when
    /// <paramref name="createIfMissing"/>. The change returns null to reject (nothing is written).
    /// Returns the stored contact (null when rejected or missing) and whether it was created.
    /// </summary>
    public async Task<(Contact? Contact, bool Created)> UpsertAsync(
        string tenantId, string phone, Func<Contact, Contact?> change, CancellationToken cancellationToken, bool createIfMissing = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var row = await tables.GetEntityIfExistsAsync(Contact.Table, tenantId, Contact.RowKey(phone), cancellationToken);
            if (row is null && !createIfMissing)
            {
                return (null, false);
            }
            var current = row is null ? Contact.New(phone, now) : Contact.FromEntity(row);
            if (change(current) is not { } changed)
            {
                return (null, false);
            }
            var updated = changed with { Phone = phone, UpdatedOn = now };
            try
            {
                if (row is null)
                {
                    await tables.InsertAsync(Contact.Table, updated.ToEntity(tenantId), cancellationToken);
                }
                else
                {
                    await tables.ReplaceAsync(Contact.Table, updated.ToEntity(tenantId), row.ETag, cancellationToken);
                }
                return (updated, row is null);
            }
            catch (RequestFailedException ex) when ((StorageErrorCodes.IsConflict(ex) || StorageErrorCodes.IsPreconditionFailed(ex)) && attempt < MaxAttempts)
            {
                // Created or changed meanwhile (a webhook and an API call at once): apply again to the latest.
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Records a consent change and updates the contact's state in one transaction (creating the
    /// contact if needed). The state follows the newest record by the customer's time, whatever
    /// order records arrive in; a record with an idempotency key is kept once however often it comes.
    /// </summary>
    public async Task<Contact> RecordConsentAsync(string tenantId, string phone, ConsentRecord record, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await tables.GetEntityIfExistsAsync(Contact.Table, tenantId, Contact.RowKey(phone), cancellationToken);
            var current = row is null ? Contact.New(phone, record.At) : Contact.FromEntity(row);
            var updated = current.With(record) with { UpdatedOn = time.GetUtcNow() };
            TableTransactionAction contactAction = row is null
                ? new(TableTransactionActionType.Insert, updated.ToEntity(tenantId))
                : new(TableTransactionActionType.Replace, updated.ToEntity(tenantId), row.ETag);
            try
            {
                await tables.SubmitTransactionAsync(Contact.Table,
                    [contactAction, new(TableTransactionActionType.Insert, record.ToEntity(tenantId, phone))], cancellationToken);
                return updated;
            }
            catch (TableTransactionFailedException ex) when (ex.FailedIndex == 1 && ex.Status == 409 && record.IdempotencyKey is not null)
            {
                return current; // this very record is in the ledger already
            }
            catch (TableTransactionFailedException ex) when (ex.FailedIndex == 0 && (ex.Status is 409 or 412) && attempt < MaxAttempts)
            {
                // The contact changed meanwhile: record again on top of the latest.
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }

    /// <summary>The consent history, newest first.</summary>
    public async Task<IReadOnlyList<ConsentRecord>> ConsentHistoryAsync(string tenantId, string phone, CancellationToken cancellationToken)
    {
        var rows = await tables.QueryAllAsync(Contact.Table, TableQuery.WithRowKeyPrefix(tenantId, ConsentRecord.RowKeyPrefix(phone)), cancellationToken);
        return [.. rows.Select(ConsentRecord.FromEntity)];
    }

    /// <summary>One page of contacts in phone order.</summary>
    public async Task<(IReadOnlyList<Contact> Contacts, string? ContinuationToken)> ListAsync(
        string tenantId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var query = TableQuery.WithRowKeyPrefix(tenantId, "c:") with { Top = pageSize };
        var page = await tables.QueryAsync(Contact.Table, query, continuationToken, cancellationToken);
        return (page.Entities.Select(Contact.FromEntity).ToList(), page.ContinuationToken);
    }

    /// <summary>
    /// Erases what the tenant holds about the contact: name, profile name, language, attributes.
    /// The phone number and consent state stay, with the ledger, when the customer ever opted in
    /// or out: an opt-out must keep being honoured, and the ledger is its evidence. A contact with
    /// no consent on record is removed entirely. False when there is no such contact.
    /// </summary>
    public async Task<bool> EraseAsync(string tenantId, string phone, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await tables.GetEntityIfExistsAsync(Contact.Table, tenantId, Contact.RowKey(phone), cancellationToken) is not { } row)
            {
                return false;
            }
            var contact = Contact.FromEntity(row);
            try
            {
                if (contact.Marketing == ConsentState.Unknown && contact.Utility == ConsentState.Unknown)
                {
                    await tables.DeleteAsync(Contact.Table, tenantId, row.RowKey, row.ETag, cancellationToken);
                }
                else
                {
                    var erased = contact with { Name = null, ProfileName = null, Language = null, Attributes = new Dictionary<string, string>(), UpdatedOn = time.GetUtcNow() };
                    await tables.ReplaceAsync(Contact.Table, erased.ToEntity(tenantId), row.ETag, cancellationToken);
                }
                return true;
            }
            catch (RequestFailedException ex) when ((StorageErrorCodes.IsPreconditionFailed(ex) || StorageErrorCodes.IsNotFound(ex)) && attempt < MaxAttempts)
            {
                // Changed or removed meanwhile: look again.
                await Contention.PauseAsync(attempt, cancellationToken);
            }
        }
    }
}
