namespace Functions.Tests.TestSupport;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test moves it, with timers that fire
/// when the clock passes their due time. Works with <c>Task.Delay(TimeSpan, TimeProvider, CancellationToken)</c>,
/// <c>CancellationTokenSource(TimeSpan, TimeProvider)</c> and <see cref="PeriodicTimer"/>.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="Advance"/> steps the clock from one due time to the next, so a callback sees
/// <see cref="GetUtcNow"/> equal to its own due time, and a timer that a callback creates or changes
/// fires within the same call if it falls due before the target.</item>
/// <item><see cref="SetUtcNow"/> jumps: the clock is set first, then every timer now due fires (earliest
/// first), each seeing the new time — like a machine waking from sleep. Use it to make a timer fire late.</item>
/// <item>Callbacks run synchronously on the thread that moves the clock, never under the lock, so a
/// callback may create, change or dispose timers. An <c>await</c> continuation of <c>Task.Delay</c> may
/// therefore run inline before <see cref="Advance"/> returns; tests should still wait for a signal.</item>
/// <item>A timer created or changed with a due time of zero fires at once, on the calling thread.</item>
/// <item>The clock never goes backwards. <see cref="GetTimestamp"/> follows the fake clock.</item>
/// </list>
/// All members are thread-safe.
/// </remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>The default start: a fixed, unremarkable UTC instant (a Monday).</summary>
    public static readonly DateTimeOffset DefaultStart = new(2030, 1, 7, 10, 0, 0, TimeSpan.Zero);

    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private DateTimeOffset _now;
    private DateTimeOffset _target; // where the Advance calls in progress are taking the clock
    private long _sequence; // breaks ties between timers due at the same instant: first scheduled fires first

    public ManualTimeProvider()
        : this(DefaultStart)
    {
    }

    public ManualTimeProvider(DateTimeOffset start) => _now = start.ToUniversalTime();

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Timers that are scheduled to fire (created or changed with a finite due time, not yet fired or disposed).</summary>
    public int PendingTimerCount
    {
        get
        {
            lock (_lock)
            {
                return CountPending();
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <summary>
    /// Moves the clock forward, firing each timer as the clock reaches its due time. Concurrent calls
    /// add up (two calls of 1 s move the clock 2 s) and share the work of firing.
    /// </summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        lock (_lock)
        {
            _target = (_target > _now ? _target : _now) + delta;
        }
        while (true)
        {
            ManualTimer? timer;
            lock (_lock)
            {
                timer = TakeNextDue(_target, out var dueAt);
                if (timer is null)
                {
                    if (_target > _now)
                    {
                        _now = _target;
                    }
                    return;
                }
                if (dueAt > _now)
                {
                    _now = dueAt;
                }
            }
            timer.Fire();
        }
    }

    /// <summary>Sets the clock (forward only), then fires every timer that is now due, earliest first.</summary>
    public void SetUtcNow(DateTimeOffset value)
    {
        value = value.ToUniversalTime();
        lock (_lock)
        {
            if (value < _now)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"The clock cannot go back (it is {_now:O}).");
            }
            _now = value;
        }
        FireDue();
    }

    /// <summary>
    /// Completes when at least <paramref name="count"/> timers are pending (see <see cref="PendingTimerCount"/>):
    /// the way to know that code under test is now waiting on this clock, before advancing it.
    /// </summary>
    public Task WaitForPendingTimersAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        TaskCompletionSource signal;
        lock (_lock)
        {
            if (CountPending() >= count)
            {
                return Task.CompletedTask;
            }
            signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
        }
        return signal.Task.WaitAsync(cancellationToken);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public override string ToString() => $"ManualTimeProvider({GetUtcNow():O}, {PendingTimerCount} pending)";

    private void FireDue()
    {
        while (true)
        {
            ManualTimer? timer;
            lock (_lock)
            {
                timer = TakeNextDue(_now, out _);
            }
            if (timer is null)
            {
                return;
            }
            timer.Fire();
        }
    }

    /// <summary>Under the lock: the earliest timer due at or before <paramref name="limit"/>, rescheduled or disarmed.</summary>
    private ManualTimer? TakeNextDue(DateTimeOffset limit, out DateTimeOffset dueAt)
    {
        ManualTimer? next = null;
        foreach (var timer in _timers)
        {
            if (timer.DueAt is { } due && due <= limit
                && (next is null || due < next.DueAt || (due == next.DueAt && timer.Sequence < next.Sequence)))
            {
                next = timer;
            }
        }
        dueAt = next?.DueAt ?? default;
        if (next is not null)
        {
            // A periodic timer is due again one period after this firing (after a jump it fires once,
            // not once per missed period, like a real timer); a one-shot timer is disarmed.
            var firedAt = dueAt > _now ? dueAt : _now;
            next.DueAt = next.Period > TimeSpan.Zero ? firedAt + next.Period : null;
            next.Sequence = ++_sequence;
            if (next.DueAt is null)
            {
                _timers.Remove(next);
            }
        }
        return next;
    }

    private int CountPending() => _timers.Count;

    /// <summary>Under the lock: after any change to the timers, releases the waiters it satisfies.</summary>
    private void ReleaseWaiters()
    {
        var pending = CountPending();
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (pending >= _waiters[i].Count)
            {
                _waiters[i].Signal.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private bool Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        ValidateTime(dueTime, nameof(dueTime));
        ValidateTime(period, nameof(period));
        bool fireNow;
        lock (_lock)
        {
            if (timer.Disposed)
            {
                return false;
            }
            _timers.Remove(timer);
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
            timer.Sequence = ++_sequence;
            if (timer.DueAt is not null)
            {
                _timers.Add(timer);
            }
            fireNow = dueTime == TimeSpan.Zero;
            ReleaseWaiters();
        }
        if (fireNow)
        {
            FireDue();
        }
        return true;
    }

    private void Remove(ManualTimer timer)
    {
        lock (_lock)
        {
            timer.Disposed = true;
            timer.DueAt = null;
            _timers.Remove(timer);
        }
    }

    private static void ValidateTime(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Use a non-negative time or Timeout.InfiniteTimeSpan.");
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        // Guarded by owner._lock.
        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan Period { get; set; }

        public long Sequence { get; set; }

        public bool Disposed { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.Schedule(this, dueTime, period);

        public void Fire() => callback(state);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
