using Functions.Tests.TestSupport;
using System.Diagnostics;
using System.Globalization;
using Functions.Hosting;

namespace Functions.Tests.Hosting;

public sealed class CronScheduleTests
{
    [Theory]
    // Every 5 minutes; 'after' exactly on an occurrence returns the next one; sub-second 'after'.
    [InlineData("0 */5 * * * *", "2024-03-10T10:02:30Z", "2024-03-10T10:05:00Z")]
    [InlineData("0 */5 * * * *", "2024-03-10T10:05:00Z", "2024-03-10T10:10:00Z")]
    [InlineData("0 */5 * * * *", "2024-03-10T10:04:59.999Z", "2024-03-10T10:05:00Z")]
    [InlineData("0 */5 * * * *", "2024-03-10T10:05:00.001Z", "2024-03-10T10:10:00Z")]
    [InlineData("0 */5 * * * *", "2024-03-10T23:57:00Z", "2024-03-11T00:00:00Z")]
    // Year rollover.
    [InlineData("0 */5 * * * *", "2024-12-31T23:58:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("59 59 23 31 12 *", "2024-12-31T23:59:59Z", "2025-12-31T23:59:59Z")]
    // Weekdays at 09:30 across a weekend (2024-03-08 is a Friday).
    [InlineData("0 30 9 * * 1-5", "2024-03-08T09:30:00Z", "2024-03-11T09:30:00Z")]
    [InlineData("0 30 9 * * 1-5", "2024-03-09T12:00:00Z", "2024-03-11T09:30:00Z")]
    [InlineData("0 30 9 * * 1-5", "2024-03-11T09:29:59Z", "2024-03-11T09:30:00Z")]
    [InlineData("0 30 9 * * MON-FRI", "2024-03-08T09:30:00Z", "2024-03-11T09:30:00Z")]
    // First of the month, across month ends, a leap February and the year end.
    [InlineData("0 0 0 1 * *", "2024-01-31T12:00:00Z", "2024-02-01T00:00:00Z")]
    [InlineData("0 0 0 1 * *", "2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")]
    [InlineData("0 0 0 1 * *", "2023-02-28T23:59:59Z", "2023-03-01T00:00:00Z")]
    [InlineData("0 0 0 1 * *", "2024-12-01T00:00:00Z", "2025-01-01T00:00:00Z")]
    // February 29: the next leap year, and 2100 is not one.
    [InlineData("0 0 0 29 2 *", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 0 29 2 *", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z")]
    // Day 31 skips the months without one.
    [InlineData("0 0 0 31 * *", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z")]
    [InlineData("0 0 0 31 * *", "2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z")]
    // Every 15 seconds.
    [InlineData("*/15 * * * * *", "2024-03-10T10:00:00Z", "2024-03-10T10:00:15Z")]
    [InlineData("*/15 * * * * *", "2024-03-10T10:00:50Z", "2024-03-10T10:01:00Z")]
    [InlineData("* * * * * *", "2024-03-10T10:00:00.5Z", "2024-03-10T10:00:01Z")]
    // Lists, ranges and steps.
    [InlineData("0 0 8,12,18 * * *", "2024-03-10T12:00:00Z", "2024-03-10T18:00:00Z")]
    [InlineData("0 0 8,12,18 * * *", "2024-03-10T18:00:00Z", "2024-03-11T08:00:00Z")]
    [InlineData("0 10-50/20 * * * *", "2024-03-10T10:30:00Z", "2024-03-10T10:50:00Z")]
    [InlineData("0 10-50/20 * * * *", "2024-03-10T10:50:00Z", "2024-03-10T11:10:00Z")]
    [InlineData("0 45/10 * * * *", "2024-03-10T10:46:00Z", "2024-03-10T10:55:00Z")]
    [InlineData("0 45/10 * * * *", "2024-03-10T10:56:00Z", "2024-03-10T11:45:00Z")]
    [InlineData("0 0,30 9-17/4 * * *", "2024-03-10T13:30:00Z", "2024-03-10T17:00:00Z")]
    [InlineData("0 0 12 1-3,20-22 * *", "2024-03-03T12:00:00Z", "2024-03-20T12:00:00Z")]
    [InlineData("30 15 10 * * *", "2024-03-10T10:15:29Z", "2024-03-10T10:15:30Z")]
    [InlineData("0 */90 * * * *", "2024-03-10T10:00:00Z", "2024-03-10T11:00:00Z")]
    // Names, any case; three letters or in full.
    [InlineData("0 0 12 1 JAN,jul *", "2024-01-31T12:00:00Z", "2024-07-01T12:00:00Z")]
    [InlineData("0 0 0 1 march *", "2024-03-02T00:00:00Z", "2025-03-01T00:00:00Z")]
    [InlineData("0 0 12 * * sat,SUN", "2024-03-08T12:00:00Z", "2024-03-09T12:00:00Z")]
    [InlineData("0 0 12 * * Sunday", "2024-03-09T12:00:00Z", "2024-03-10T12:00:00Z")]
    [InlineData("0 0 0 * Jun-Aug *", "2024-03-10T00:00:00Z", "2024-06-01T00:00:00Z")]
    // Day of week: 0 is Sunday, 6 is Saturday.
    [InlineData("0 0 0 * * 0", "2024-03-08T00:00:00Z", "2024-03-10T00:00:00Z")]
    [InlineData("0 0 0 * * 6", "2024-03-09T00:00:00Z", "2024-03-16T00:00:00Z")]
    // Month and day boundaries.
    [InlineData("0 0 * * * *", "2024-04-30T23:00:00Z", "2024-05-01T00:00:00Z")]
    [InlineData("0 0 0 * * *", "2023-02-28T00:00:00Z", "2023-03-01T00:00:00Z")]
    // Day and day of week combine with AND, as NCrontab does: Friday the 13th (2024: September, December).
    [InlineData("0 0 0 13 * FRI", "2024-01-01T00:00:00Z", "2024-09-13T00:00:00Z")]
    [InlineData("0 0 0 13 * 5", "2024-09-13T00:00:00Z", "2024-12-13T00:00:00Z")]
    // ... so days 1-7 plus MON is the first Monday of the month (2024-03-04), not every Monday and days 1-7.
    [InlineData("0 0 0 1-7 * MON", "2024-03-01T00:00:00Z", "2024-03-04T00:00:00Z")]
    [InlineData("0 0 0 1-7 * MON", "2024-03-04T00:00:00Z", "2024-04-01T00:00:00Z")]
    // Rare but real: February 29 on a Monday (2044), further than a few years away.
    [InlineData("0 0 0 29 2 MON", "2024-03-01T00:00:00Z", "2044-02-29T00:00:00Z")]
    // The input's offset is honoured; the result is UTC.
    [InlineData("0 0 12 * * *", "2024-03-10T13:00:00+02:00", "2024-03-10T12:00:00Z")]
    [InlineData("0 0 12 * * *", "2024-03-10T09:00:00-03:00", "2024-03-11T12:00:00Z")]
    public void NextOccurrenceIsTheFirstStrictlyAfter(string expression, string after, string expected)
    {
        var next = CronSchedule.Parse(expression).GetNextOccurrence(At(after));

        Assert.Equal(At(expected), next);
        Assert.Equal(TimeSpan.Zero, next!.Value.Offset);
    }

    [Fact]
    public void SuccessiveOccurrencesOfEveryFiveMinutesStepByFiveMinutes()
    {
        var schedule = CronSchedule.Parse("0 */5 * * * *");
        var occurrence = At("2024-02-28T23:50:00Z");
        var seen = new List<DateTimeOffset>();
        for (var i = 0; i < 500; i++)
        {
            occurrence = schedule.GetNextOccurrence(occurrence)!.Value;
            seen.Add(occurrence);
        }

        Assert.All(seen.Zip(seen.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(5), pair.Second - pair.First));
        Assert.Contains(At("2024-02-29T00:00:00Z"), seen);
    }

    [Theory]
    [InlineData("0 0 0 30 2 *")]
    [InlineData("0 0 0 31 2 *")]
    [InlineData("0 0 0 31 4,6,9,11 *")]
    [InlineData("* * * 30-31 2 *")]
    public void AnImpossibleDateHasNoOccurrenceAndIsFoundQuickly(string expression)
    {
        var schedule = CronSchedule.Parse(expression);
        var clock = Stopwatch.StartNew();

        var next = schedule.GetNextOccurrence(At("2024-01-01T00:00:00Z"));

        Assert.Null(next);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void NearTheEndOfTimeThereIsNoOccurrenceRatherThanAnOverflow()
    {
        var schedule = CronSchedule.Parse("* * * * * *");

        Assert.Null(schedule.GetNextOccurrence(DateTimeOffset.MaxValue));
        Assert.Null(schedule.GetNextOccurrence(new DateTimeOffset(9999, 12, 31, 23, 59, 58, TimeSpan.Zero)));
    }

    /// <summary>
    /// The skipping search agrees with a brute-force scan, second by second, that uses only
    /// <see cref="CronSchedule.Matches"/>: nothing is skipped and nothing earlier is missed.
    /// </summary>
    [Theory]
    [InlineData("*/7 */13 * * * *", 1)]
    [InlineData("10-20/3 5,35 1-23/2 * * *", 1)]
    [InlineData("0 0/20 22-23,0-1 * * *", 1)]
    [InlineData("15 30 6 * * SAT", 8)]
    [InlineData("0 0 * 28-31 * *", 32)]
    [InlineData("0 59 23 * * MON-FRI", 4)]
    public void SearchAgreesWithABruteForceScan(string expression, int windowDays)
    {
        var schedule = CronSchedule.Parse(expression);
        string[] starts =
        [
            "2024-02-27T21:59:58.5Z", "2024-02-28T23:59:59Z", "2023-12-31T22:30:00Z",
            "2024-03-09T06:30:15Z", "2024-06-30T00:00:00Z", "2025-02-28T23:00:00Z",
        ];
        foreach (var start in starts)
        {
            var after = At(start);
            var expected = BruteForceNext(schedule, after, TimeSpan.FromDays(windowDays));

            Assert.Equal(expected, schedule.GetNextOccurrence(after));
        }
    }

    [Theory]
    [InlineData("0 */5 * * * *", "2024-03-10T10:05:00Z", true)]
    [InlineData("0 */5 * * * *", "2024-03-10T10:05:00.5Z", false)]
    [InlineData("0 */5 * * * *", "2024-03-10T10:06:00Z", false)]
    [InlineData("0 */5 * * * *", "2024-03-10T12:05:00+02:00", true)]
    [InlineData("0 0 0 13 * FRI", "2024-09-13T00:00:00Z", true)]
    [InlineData("0 0 0 13 * FRI", "2024-03-13T00:00:00Z", false)]
    [InlineData("0 0 0 13 * FRI", "2024-03-15T00:00:00Z", false)]
    public void MatchesTellsWhetherAnInstantIsAnOccurrence(string expression, string instant, bool expected) =>
        Assert.Equal(expected, CronSchedule.Parse(expression).Matches(At(instant)));

    [Theory]
    [InlineData("0 */5 * * * *")]
    [InlineData("  0  0 12 * * mon-fri ")]
    public void ToStringReturnsTheOriginalExpression(string expression) =>
        Assert.Equal(expression, CronSchedule.Parse(expression).ToString());

    [Theory]
    [InlineData("", "The schedule is empty; the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.")]
    [InlineData("   ", "The schedule is empty; the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.")]
    [InlineData("*/5 * * * *", "'*/5 * * * *' has 5 fields, but the Functions timer trigger uses 6 fields: second minute hour day month day-of-week (e.g. '0 */5 * * * *').")]
    [InlineData("0 0 0 * * * *", "'0 0 0 * * * *' has 7 fields, but the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.")]
    [InlineData("00:05:00", "'00:05:00' has 1 field, but the Functions timer trigger uses 6 fields: second minute hour day month day-of-week.")]
    [InlineData("0 0 25 * * *", "Field 'hour' value 25 is out of range 0-23 in '0 0 25 * * *'.")]
    [InlineData("60 * * * * *", "Field 'second' value 60 is out of range 0-59 in '60 * * * * *'.")]
    [InlineData("0 60 * * * *", "Field 'minute' value 60 is out of range 0-59 in '0 60 * * * *'.")]
    [InlineData("0 0 0 0 * *", "Field 'day' value 0 is out of range 1-31 in '0 0 0 0 * *'.")]
    [InlineData("0 0 0 32 * *", "Field 'day' value 32 is out of range 1-31 in '0 0 0 32 * *'.")]
    [InlineData("0 0 0 * 13 *", "Field 'month' value 13 is out of range 1-12 in '0 0 0 * 13 *'.")]
    [InlineData("0 0 0 * * 7", "Field 'day-of-week' value 7 is out of range 0-6 (0 = Sunday) in '0 0 0 * * 7'.")]
    [InlineData("0 0 0 1-99999999999 * *", "Field 'day' value 99999999999 is out of range 1-31 in '0 0 0 1-99999999999 * *'.")]
    [InlineData("0 */0 * * * *", "Field 'minute' step 0 in '*/0' is invalid (a step must be 1 or more) in '0 */0 * * * *'.")]
    [InlineData("0 */x * * * *", "Field 'minute' step 'x' in '*/x' is not a number in '0 */x * * * *'.")]
    [InlineData("0 */5/2 * * * *", "Field 'minute' step '5/2' in '*/5/2' is not a number in '0 */5/2 * * * *'.")]
    [InlineData("0 */-1 * * * *", "Field 'minute' step '-1' in '*/-1' is not a number in '0 */-1 * * * *'.")]
    [InlineData("0 abc * * * *", "Field 'minute' has an invalid value 'abc' (expected 0-59) in '0 abc * * * *'.")]
    [InlineData("0 0 MON * * *", "Field 'hour' has an invalid value 'MON' (expected 0-23) in '0 0 MON * * *'.")]
    [InlineData("0 0 0 * * FRX", "Field 'day-of-week' has an invalid value 'FRX' (expected 0-6 or SUN-SAT) in '0 0 0 * * FRX'.")]
    [InlineData("0 0 0 * M *", "Field 'month' has an invalid value 'M' (expected 1-12 or JAN-DEC) in '0 0 0 * M *'.")]
    [InlineData("0 0 0 L * *", "Field 'day' has an invalid value 'L' (expected 1-31) in '0 0 0 L * *'.")]
    [InlineData("? * * * * *", "Field 'second' has an invalid value '?' (expected 0-59) in '? * * * * *'.")]
    [InlineData("0 5-1 * * * *", "Field 'minute' range '5-1' is reversed (the start must not exceed the end) in '0 5-1 * * * *'.")]
    [InlineData("0 1,,2 * * * *", "Field 'minute' has an empty list item in '0 1,,2 * * * *'.")]
    [InlineData("0 1- * * * *", "Field 'minute' has a range with a missing start or end in '0 1- * * * *'.")]
    [InlineData("0 -5 * * * *", "Field 'minute' has a range with a missing start or end in '0 -5 * * * *'.")]
    [InlineData("0 1-2-3 * * * *", "Field 'minute' has an invalid value '2-3' (expected 0-59) in '0 1-2-3 * * * *'.")]
    [InlineData("0 +5 * * * *", "Field 'minute' has an invalid value '+5' (expected 0-59) in '0 +5 * * * *'.")]
    public void InvalidExpressionsAreRejectedNamingTheFieldAndTheProblem(string expression, string message)
    {
        var ex = Assert.Throws<FormatException>(() => CronSchedule.Parse(expression));
        Assert.Equal(message, ex.Message);

        Assert.False(CronSchedule.TryParse(expression, out var schedule, out var error));
        Assert.Null(schedule);
        Assert.Equal(message, error);
    }

    [Fact]
    public void TryParseReturnsTheScheduleOnSuccess()
    {
        Assert.True(CronSchedule.TryParse("0 */5 * * * *", out var schedule, out var error));
        Assert.Null(error);
        Assert.Equal("0 */5 * * * *", schedule.ToString());
    }

    [Fact]
    public void NullIsAnArgumentError()
    {
        Assert.Throws<ArgumentNullException>(() => CronSchedule.Parse(null!));
        Assert.False(CronSchedule.TryParse(null, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void TheCatalogRejectsAnInvalidScheduleWhenTheTimerIsDeclared()
    {
        var catalog = new FunctionCatalog();

        var ex = Assert.Throws<FormatException>(() => catalog.AddTimer<NoOpHandler>("Cleanup", "0 0 25 * * *"));

        Assert.Contains("'hour'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(catalog.TimerFunctions);
    }

    private static DateTimeOffset At(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset? BruteForceNext(CronSchedule schedule, DateTimeOffset after, TimeSpan window)
    {
        var t = new DateTimeOffset(after.UtcTicks - after.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);
        for (var end = after + window; t <= end; t = t.AddSeconds(1))
        {
            if (schedule.Matches(t))
            {
                return t;
            }
        }
        throw new InvalidOperationException($"No occurrence of '{schedule}' within {window} of {after:O}; widen the window.");
    }

    private sealed class NoOpHandler : ITimerFunctionHandler
    {
        public Task RunAsync(TimerInvocation invocation, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
