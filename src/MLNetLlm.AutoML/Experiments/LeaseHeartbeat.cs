namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Renews a worker's lease on a trial or a cross-validation fold every third of the lease while the work runs; when a
/// renewal is refused (another worker took the job over after the lease expired) it cancels the work's token and
/// <see cref="Lost"/> turns true, so the result is not written.
/// </summary>
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _beating;
    volatile bool _lost;

    LeaseHeartbeat(Func<CancellationToken, Task<bool>> renew, TimeSpan lease, CancellationTokenSource work)
    {
        _beating = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(lease / 3, _stop.Token).ConfigureAwait(false);
                    if (!await renew(_stop.Token).ConfigureAwait(false))
                    {
                        _lost = true;
                        await work.CancelAsync().ConfigureAwait(false);
                        return;
                    }
                }
            }
            catch (OperationCanceledException) { }
        });
    }

    /// <summary>Starts renewing with <paramref name="renew"/>; <paramref name="work"/> is cancelled if the lease is lost.</summary>
    public static LeaseHeartbeat Start(Func<CancellationToken, Task<bool>> renew, TimeSpan lease, CancellationTokenSource work) => new(renew, lease, work);

    /// <summary>Whether a renewal was refused.</summary>
    public bool Lost => _lost;

    /// <summary>Stops renewing and waits for the renewal in flight.</summary>
    public async ValueTask StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync().ConfigureAwait(false);
        await _beating.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
