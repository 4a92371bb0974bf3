namespace Functions.Storage;

/// <summary>
/// A short, growing, jittered pause before retrying an optimistic write that lost a race, so
/// writers of one hot row take turns instead of colliding again at once.
/// </summary>
public static class Contention
{
    public static Task PauseAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(2, 10) << Math.Min(attempt, 6)), cancellationToken);
}
