using Functions.Storage;

namespace Functions.Hosting;

/// <summary>
/// Runs the catalog's timer functions in standalone mode, the way the Functions host's timer
/// trigger does: one loop per function on its <see cref="CronSchedule"/> (UTC), a new DI scope
/// per run, and a schedule monitor row per function in table <see cref="TableName"/> so an
/// occurrence missed while the app was down runs once at start-up, past due.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Start-up: if the stored <c>Next</c> is at or before now, that occurrence was missed and runs
/// at once with <see cref="TimerInvocation.IsPastDue"/> true (once, however many were missed). Otherwise,
/// if <see cref="TimerFunction.RunOnStartup"/> is set, the function runs at once, not past due. As in the
/// host these are exclusive: a past-due run counts as the start-up run. A stored <c>Next</c> that is not an
/// occurrence of the current schedule means the schedule was changed; it is ignored.</item>
/// <item>A run is past due when it starts more than <see cref="PastDueTolerance"/> after its occurrence.</item>
/// <item>A failing handler is logged and not retried, like the host; the loop goes on.</item>
/// <item>The next occurrence is the first after the later of the occurrence and the end of the run, so runs
/// of one function never overlap and a slow run skips what it overran instead of catching up.</item>
/// <item>Stopping cancels the waits and hands the stopping token to a running handler; the runner returns
/// once the handler has. A run cut short by shutdown is not recorded, so it is past due at the next start.</item>
/// <item>Storage failures are logged and do not stop the timers (only past-due detection suffers).</item>
/// <item>There is no cross-instance lease: run one standalone instance (the host uses a singleton lock).</item>
/// </list>
/// </remarks>
public sealed partial class TimerRunner(
    FunctionCatalog catalog,
    FunctionInvoker invoker,
    TimeProvider time,
    ITableStore tables,
    ILogger<TimerRunner> logger) : BackgroundService
{
    /// <summary>The schedule monitor table: one row per timer function.</summary>
    public const string TableName = "TimerSchedules";

    /// <summary>The partition of every schedule monitor row; the RowKey is the function name.</summary>
    public const string StatusPartitionKey = "timers";

    /// <summary>
    /// How late a run may start and still not be past due. A timer wakes a few milliseconds late and
    /// the status write before the wait takes a little longer against Azure; one second absorbs that,
    /// while a run delayed by a stall, a suspended machine or a clock jump is reported as past due.
    /// </summary>
    public static readonly TimeSpan PastDueTolerance = TimeSpan.FromSeconds(1);

    // Task.Delay accepts at most ~49 days; waits are cut into slices and the clock is re-read after each.
    private static readonly TimeSpan MaxSingleWait = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Parse every schedule first: an invalid one fails start-up, not some later tick.
        var timers = catalog.TimerFunctions.Select(f => (Function: f, Schedule: CronSchedule.Parse(f.Schedule))).ToList();
        if (timers.Count == 0)
        {
            return;
        }
        try
        {
            await tables.CreateTableIfNotExistsAsync(TableName, stoppingToken);
        }
        catch (Exception ex) when (!IsStopping(ex, stoppingToken))
        {
            LogTableCreateFailed(TableName, ex);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await Task.WhenAll(timers.Select(t => RunTimerAsync(t.Function, t.Schedule, stoppingToken)));
    }

    private async Task RunTimerAsync(TimerFunction function, CronSchedule schedule, CancellationToken stoppingToken)
    {
        try
        {
            var now = time.GetUtcNow();
            var status = await ReadStatusAsync(function.Name, stoppingToken);
            var storedNext = status?.Next;
            if (storedNext is { } stored && !schedule.Matches(stored))
            {
                LogScheduleChanged(function.Name, stored);
                storedNext = null;
            }

            // Occurrences strictly after the anchor are still to run.
            DateTimeOffset anchor;
            if (storedNext is { } missed && missed <= now)
            {
                LogPastDueAtStartup(function.Name, missed);
                anchor = await InvokeAsync(function, schedule, missed, isPastDue: true, stoppingToken);
            }
            else if (function.RunOnStartup)
            {
                LogRunOnStartup(function.Name);
                anchor = await InvokeAsync(function, schedule, now, isPastDue: false, stoppingToken);
            }
            else
            {
                anchor = now;
                await WriteStatusAsync(function.Name, status?.Last, schedule.GetNextOccurrence(now), now, stoppingToken);
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                if (schedule.GetNextOccurrence(anchor) is not { } next)
                {
                    LogNoMoreOccurrences(function.Name, schedule.ToString(), CronSchedule.SearchHorizonYears);
                    return;
                }
                LogWaiting(function.Name, next);
                await WaitUntilAsync(next, stoppingToken);
                var lateness = time.GetUtcNow() - next;
                anchor = await InvokeAsync(function, schedule, next, isPastDue: lateness > PastDueTolerance, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    /// <summary>Runs one occurrence in a new scope and records it; returns the instant after which the next occurrence is due.</summary>
    private async Task<DateTimeOffset> InvokeAsync(
        TimerFunction function, CronSchedule schedule, DateTimeOffset scheduledFor, bool isPastDue, CancellationToken stoppingToken)
    {
        LogRunning(function.Name, scheduledFor, isPastDue);
        var started = time.GetTimestamp();
        try
        {
            await invoker.InvokeTimerAsync(function, new TimerInvocation(function.Name, scheduledFor, isPastDue), stoppingToken);
            LogCompleted(function.Name, scheduledFor, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogCancelled(function.Name, scheduledFor);
            throw;
        }
        catch (Exception ex)
        {
            LogFailed(function.Name, scheduledFor, ex);
        }

        var ended = time.GetUtcNow();
        var anchor = ended > scheduledFor ? ended : scheduledFor;
        await WriteStatusAsync(function.Name, scheduledFor, schedule.GetNextOccurrence(anchor), ended, stoppingToken);
        return anchor;
    }

    private async Task WaitUntilAsync(DateTimeOffset due, CancellationToken stoppingToken)
    {
        while (true)
        {
            var remaining = due - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            // Round up to whole milliseconds: a real timer cannot wait less, and waking early would spin.
            var wait = remaining < MaxSingleWait ? TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds)) : MaxSingleWait;
            await Task.Delay(wait, time, stoppingToken);
        }
    }

    private async Task<TimerStatus?> ReadStatusAsync(string functionName, CancellationToken stoppingToken)
    {
        try
        {
            var row = await tables.GetEntityIfExistsAsync(TableName, StatusPartitionKey, functionName, stoppingToken);
            return row is null ? null : new TimerStatus(row.GetDateTimeOffset("Last"), row.GetDateTimeOffset("Next"));
        }
        catch (Exception ex) when (!IsStopping(ex, stoppingToken))
        {
            LogStatusReadFailed(functionName, ex);
            return null;
        }
    }

    private async Task WriteStatusAsync(
        string functionName, DateTimeOffset? last, DateTimeOffset? next, DateTimeOffset lastUpdated, CancellationToken stoppingToken)
    {
        var row = new TableEntity(StatusPartitionKey, functionName)
        {
            ["Last"] = last,
            ["Next"] = next,
            ["LastUpdated"] = lastUpdated,
        };
        try
        {
            await tables.UpsertAsync(TableName, row, TableUpsertMode.Replace, stoppingToken);
        }
        catch (Exception ex) when (!IsStopping(ex, stoppingToken))
        {
            LogStatusWriteFailed(functionName, ex);
        }
    }

    private static bool IsStopping(Exception ex, CancellationToken stoppingToken) =>
        ex is OperationCanceledException && stoppingToken.IsCancellationRequested;

    private readonly record struct TimerStatus(DateTimeOffset? Last, DateTimeOffset? Next);

    [LoggerMessage(1, LogLevel.Debug, "Timer function {FunctionName} waits for its occurrence at {ScheduledFor:O}.")]
    private partial void LogWaiting(string functionName, DateTimeOffset scheduledFor);

    [LoggerMessage(2, LogLevel.Information, "Timer function {FunctionName} missed its occurrence at {ScheduledFor:O} while the app was down; running it now, past due.")]
    private partial void LogPastDueAtStartup(string functionName, DateTimeOffset scheduledFor);

    [LoggerMessage(3, LogLevel.Information, "Timer function {FunctionName} runs on start-up.")]
    private partial void LogRunOnStartup(string functionName);

    [LoggerMessage(4, LogLevel.Information, "Timer function {FunctionName} starts for {ScheduledFor:O} (past due: {IsPastDue}).")]
    private partial void LogRunning(string functionName, DateTimeOffset scheduledFor, bool isPastDue);

    [LoggerMessage(5, LogLevel.Information, "Timer function {FunctionName} completed for {ScheduledFor:O} in {ElapsedMs:0} ms.")]
    private partial void LogCompleted(string functionName, DateTimeOffset scheduledFor, double elapsedMs);

    [LoggerMessage(6, LogLevel.Error, "Timer function {FunctionName} failed for {ScheduledFor:O}; it is not retried and runs again at its next occurrence.")]
    private partial void LogFailed(string functionName, DateTimeOffset scheduledFor, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Timer function {FunctionName} was stopped by shutdown while running for {ScheduledFor:O}; it will be past due at the next start.")]
    private partial void LogCancelled(string functionName, DateTimeOffset scheduledFor);

    [LoggerMessage(8, LogLevel.Warning, "Timer function {FunctionName}: reading its schedule status failed; missed occurrences cannot be detected this time.")]
    private partial void LogStatusReadFailed(string functionName, Exception exception);

    [LoggerMessage(9, LogLevel.Warning, "Timer function {FunctionName}: writing its schedule status failed.")]
    private partial void LogStatusWriteFailed(string functionName, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Creating the timer status table {Table} failed; timers run, but status writes may fail.")]
    private partial void LogTableCreateFailed(string table, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Timer function {FunctionName} has no occurrence of '{Schedule}' within {Years} years; it will not run again.")]
    private partial void LogNoMoreOccurrences(string functionName, string schedule, int years);

    [LoggerMessage(12, LogLevel.Information, "Timer function {FunctionName}: the stored next occurrence {StoredNext:O} does not fit the current schedule (the schedule changed); it is ignored.")]
    private partial void LogScheduleChanged(string functionName, DateTimeOffset storedNext);
}
