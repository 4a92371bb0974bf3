using Functions.Hosting;

namespace Functions.Storage;

/// <summary>
/// Creates every declared table and queue before the app serves requests or runs triggers:
/// the layout's, and each queue function's queue and poison queue (declared once, in the catalog).
/// </summary>
internal sealed class StorageInitializer(StorageLayout layout, FunctionCatalog catalog, ITableStore tables, IQueueStore queues, ILogger<StorageInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var table in layout.Tables)
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }
        var queueNames = layout.Queues
            .Concat(catalog.QueueFunctions.SelectMany(f => new[] { f.QueueName, f.PoisonQueueName }))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var queue in queueNames)
        {
            await queues.CreateQueueIfNotExistsAsync(queue, cancellationToken);
        }
        logger.LogInformation("Storage ready ({Kind}): {TableCount} tables, {QueueCount} queues", tables.Kind, layout.Tables.Count, queueNames.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
