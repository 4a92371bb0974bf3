namespace Functions.Storage;

/// <summary>Creates every declared table and queue before the app serves requests or runs triggers.</summary>
internal sealed class StorageInitializer(StorageLayout layout, ITableStore tables, IQueueStore queues, ILogger<StorageInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var table in layout.Tables)
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }
        foreach (var queue in layout.Queues)
        {
            await queues.CreateQueueIfNotExistsAsync(queue, cancellationToken);
        }
        logger.LogInformation("Storage ready ({Kind}): {TableCount} tables, {QueueCount} queues", tables.Kind, layout.Tables.Count, layout.Queues.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
