using Microsoft.ML;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Runs a trial's training on a thread of its own and gives up on it when its token fires. Long ML.NET fits never
/// occupy a thread-pool thread, so they cannot starve the pool that runs the timeout timers and the experiment's
/// continuations (on 2 cores the pool starts with 2 threads, which two blocking trials fill; a FastTree trial was
/// once recorded at 263 s against a 150 s limit). When the token fires, ML.NET's cancel flag is set on the trial's
/// context (the tree trainers check it: LightGBM between boosting rounds, FastTree between trees and binning steps;
/// LightGBM's dataset construction does not, which the tree stages' feature selection keeps short) and the caller gets
/// an <see cref="OperationCanceledException"/> at once, whether or not the training stopped; a result the abandoned training still produces later is disposed when it arrives.
/// </summary>
internal static class OwnThreadWork
{
    public static async Task<T> RunAsync<T>(Func<T> work, MLContext context, Func<T, IDisposable?> disposable, CancellationToken token)
    {
        token.ThrowIfCancellationRequested();
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        using var registration = token.Register(() => MLContextCancellation.CancelExecution(context));
        try
        {
            return await task.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // set here too: the token runs its callbacks newest first, so WaitAsync's can resume this method inline and
            // dispose the registration above before its callback has run (the trainer then never saw the cancel)
            MLContextCancellation.CancelExecution(context);
            _ = task.ContinueWith(t =>
            {
                if (t.Status == TaskStatus.RanToCompletion) disposable(t.Result)?.Dispose();
                else _ = t.Exception; // observed: the trial is already recorded as timed out or requeued
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new AbandonedWorkException(task, token);
        }
    }

    /// <summary>
    /// Whether the work behind a cancellation <paramref name="e"/> has ended within <paramref name="grace"/> (true for
    /// any other exception: the work ended by throwing it).
    /// </summary>
    public static async Task<bool> StoppedAsync(Exception e, TimeSpan grace)
    {
        if (e is not AbandonedWorkException { Work: var work }) return true;
        await Task.WhenAny(work, Task.Delay(grace)).ConfigureAwait(false);
        return work.IsCompleted;
    }

    /// <summary>The cancellation of a run whose work may still be going on (on its own thread).</summary>
    sealed class AbandonedWorkException(Task work, CancellationToken token)
        : OperationCanceledException("The work was cancelled; it may still be running on its own thread.", token)
    {
        public Task Work { get; } = work;
    }

    /// <summary>Disposes a model that is not kept (ML.NET chains dispose their stages: ONNX sessions, Torch modules).</summary>
    public static void Dispose(ITransformer? model) => (model as IDisposable)?.Dispose();
}
