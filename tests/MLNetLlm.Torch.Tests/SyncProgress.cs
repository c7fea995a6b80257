namespace MLNetLlm.Torch.Tests;

/// <summary>An IProgress that runs its handler on the reporting thread (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SyncProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
