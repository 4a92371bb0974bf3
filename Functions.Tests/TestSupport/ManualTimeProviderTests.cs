namespace Functions.Tests.TestSupport;

public sealed class ManualTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 7, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(5);

    [Fact]
    public void TheClockMovesOnlyWhenTold()
    {
        var time = new ManualTimeProvider(Start);
        Assert.Equal(Start, time.GetUtcNow());
        Assert.Equal(ManualTimeProvider.DefaultStart, new ManualTimeProvider().GetUtcNow());

        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(Start.AddMinutes(3), time.GetUtcNow());

        time.SetUtcNow(Start.AddHours(1));
        Assert.Equal(Start.AddHours(1), time.GetUtcNow());
        Assert.Equal(TimeZoneInfo.Utc, time.LocalTimeZone);
    }

    [Fact]
    public void StartAndSetTimesAreStoredInUtc()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2030, 1, 7, 12, 0, 0, TimeSpan.FromHours(2)));
        Assert.Equal(TimeSpan.Zero, time.GetUtcNow().Offset);
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public void TheClockNeverGoesBack()
    {
        var time = new ManualTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.SetUtcNow(Start.AddTicks(-1)));
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public void TimestampsFollowTheFakeClock()
    {
        var time = new ManualTimeProvider(Start);
        var started = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), time.GetElapsedTime(started));
    }

    [Fact]
    public async Task DelayCompletesWhenTheClockReachesItsDueTime()
    {
        var time = new ManualTimeProvider(Start);
        var delay = Task.Delay(TimeSpan.FromSeconds(5), time);
        Assert.Equal(1, time.PendingTimerCount);

        time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(delay.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await delay.WaitAsync(SafetyNet);
        Assert.Equal(0, time.PendingTimerCount);
    }

    [Fact]
    public async Task CancellingADelayRemovesItsTimer()
    {
        var time = new ManualTimeProvider(Start);
        using var cts = new CancellationTokenSource();
        var delay = Task.Delay(TimeSpan.FromHours(1), time, cts.Token);
        Assert.Equal(1, time.PendingTimerCount);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay.WaitAsync(SafetyNet));
        Assert.Equal(0, time.PendingTimerCount);
    }

    [Fact]
    public void TimersFireInDueOrderEachSeeingItsOwnDueTime()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = time.CreateTimer(_ => fired.Add(("late", time.GetUtcNow())), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
        using var early = time.CreateTimer(_ => fired.Add(("early", time.GetUtcNow())), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);
        using var tieA = time.CreateTimer(_ => fired.Add(("tieA", time.GetUtcNow())), null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);
        using var tieB = time.CreateTimer(_ => fired.Add(("tieB", time.GetUtcNow())), null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(
            [("early", Start.AddSeconds(10)), ("tieA", Start.AddSeconds(20)), ("tieB", Start.AddSeconds(20)), ("late", Start.AddSeconds(30))],
            fired);
        Assert.Equal(Start.AddMinutes(1), time.GetUtcNow());
    }

    [Fact]
    public void TheStateIsPassedToTheCallback()
    {
        var time = new ManualTimeProvider(Start);
        object? seen = null;
        var state = new object();
        using var timer = time.CreateTimer(s => seen = s, state, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Same(state, seen);
    }

    [Fact]
    public void APeriodicTimerFiresOncePerPeriod()
    {
        var time = new ManualTimeProvider(Start);
        var ticks = new List<DateTimeOffset>();
        using var timer = time.CreateTimer(_ => ticks.Add(time.GetUtcNow()), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(44));

        Assert.Equal([Start.AddSeconds(5), Start.AddSeconds(15), Start.AddSeconds(25), Start.AddSeconds(35)], ticks);
        Assert.Equal(1, time.PendingTimerCount);
    }

    [Fact]
    public void APeriodOfZeroMeansOneShot()
    {
        var time = new ManualTimeProvider(Start);
        var count = 0;
        using var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.Zero);

        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, count);
        Assert.Equal(0, time.PendingTimerCount);
    }

    [Fact]
    public void ChangeReschedulesAndInfiniteDisarms()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<DateTimeOffset>();
        using var timer = time.CreateTimer(_ => fired.Add(time.GetUtcNow()), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Equal(0, time.PendingTimerCount);

        Assert.True(timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(timer.Change(TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan)); // now due at +15 s
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(fired);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([Start.AddSeconds(15)], fired);

        Assert.True(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(fired);
    }

    [Fact]
    public async Task ADisposedTimerNeverFiresAndCannotBeChanged()
    {
        var time = new ManualTimeProvider(Start);
        var count = 0;
        var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        var other = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Dispose();
        await other.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, count);
        Assert.False(timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.Equal(0, time.PendingTimerCount);
    }

    [Fact]
    public void ADueTimeOfZeroFiresAtOnce()
    {
        var time = new ManualTimeProvider(Start);
        var count = 0;

        using var timer = time.CreateTimer(_ => count++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, count);
        Assert.Equal(Start, time.GetUtcNow());
    }

    [Fact]
    public void NegativeTimesOtherThanInfiniteAreRejected()
    {
        var time = new ManualTimeProvider(Start);

        Assert.Throws<ArgumentOutOfRangeException>(() => time.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(-1), Timeout.InfiniteTimeSpan));
        using var timer = time.CreateTimer(_ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Assert.Throws<ArgumentOutOfRangeException>(() => timer.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void ATimerCreatedByACallbackFiresInTheSameAdvanceIfDue()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<DateTimeOffset>();
        ITimer? second = null;
        using var first = time.CreateTimer(
            _ => second = time.CreateTimer(_ => fired.Add(time.GetUtcNow()), null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan),
            null, TimeSpan.FromSeconds(10), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(25));

        Assert.Equal([Start.AddSeconds(20)], fired);
        second?.Dispose();
    }

    [Fact]
    public void SetUtcNowJumpsThenFiresEverythingDueOnceAtTheNewTime()
    {
        var time = new ManualTimeProvider(Start);
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var periodic = time.CreateTimer(_ => fired.Add(("periodic", time.GetUtcNow())), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        using var oneShot = time.CreateTimer(_ => fired.Add(("oneShot", time.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using var future = time.CreateTimer(_ => fired.Add(("future", time.GetUtcNow())), null, TimeSpan.FromHours(2), Timeout.InfiniteTimeSpan);

        time.SetUtcNow(Start.AddHours(1));

        // The periodic timer fires once for the jump (not 3600 times), then keeps its period from the new time.
        Assert.Equal([("periodic", Start.AddHours(1)), ("oneShot", Start.AddHours(1))], fired);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(("periodic", Start.AddHours(1).AddSeconds(1)), fired[^1]);
    }

    [Fact]
    public async Task CancellationTokenSourceWithTheProviderCancelsWhenDue()
    {
        var time = new ManualTimeProvider(Start);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30), time);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(cts.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));

        await Task.Delay(Timeout.InfiniteTimeSpan, cts.Token).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(SafetyNet);
        Assert.True(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task PeriodicTimerTicksWithTheClock()
    {
        var time = new ManualTimeProvider(Start);
        using var periodic = new PeriodicTimer(TimeSpan.FromMinutes(1), time);

        var tick = periodic.WaitForNextTickAsync().AsTask();
        Assert.False(tick.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await tick.WaitAsync(SafetyNet));

        // A tick that happened before anyone waited is remembered, as with a real PeriodicTimer.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(await periodic.WaitForNextTickAsync().AsTask().WaitAsync(SafetyNet));
    }

    [Fact]
    public async Task WaitForPendingTimersCompletesOnceCodeUnderTestIsWaiting()
    {
        var time = new ManualTimeProvider(Start);
        await time.WaitForPendingTimersAsync(0).WaitAsync(SafetyNet);

        var waiting = time.WaitForPendingTimersAsync(2);
        Assert.False(waiting.IsCompleted);
        Task? first = null;
        await Task.Run(() => { first = Task.Delay(TimeSpan.FromSeconds(1), time); }).WaitAsync(SafetyNet);
        Assert.False(waiting.IsCompleted);
        Assert.False(first!.IsCompleted);
        _ = Task.Delay(TimeSpan.FromSeconds(2), time);

        await waiting.WaitAsync(SafetyNet);
        Assert.Equal(2, time.PendingTimerCount);
    }

    [Fact]
    public async Task WaitForPendingTimersHonoursCancellation()
    {
        var time = new ManualTimeProvider(Start);
        using var cts = new CancellationTokenSource();
        var waiting = time.WaitForPendingTimersAsync(1, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task ConcurrentTimersAndAdvancesFireEveryTimerExactlyOnce()
    {
        var time = new ManualTimeProvider(Start);
        const int timerCount = 400;
        var counts = new int[timerCount];
        var timers = new ITimer[timerCount];

        var creators = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = worker; i < timerCount; i += 4)
            {
                var index = i;
                timers[index] = time.CreateTimer(_ => Interlocked.Increment(ref counts[index]), null,
                    TimeSpan.FromMilliseconds(1 + index % 50), Timeout.InfiniteTimeSpan);
            }
        }));
        var advancers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                Assert.True(time.GetUtcNow() >= Start);
            }
        }));
        await Task.WhenAll(creators.Concat(advancers)).WaitAsync(SafetyNet);

        time.Advance(TimeSpan.FromSeconds(1)); // whatever was created after the last advance
        Assert.All(counts, c => Assert.Equal(1, c));
        Assert.Equal(0, time.PendingTimerCount);
        Assert.Equal(Start.AddMilliseconds(200 + 1000), time.GetUtcNow());
        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}
