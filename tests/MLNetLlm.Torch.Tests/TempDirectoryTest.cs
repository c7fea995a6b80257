namespace MLNetLlm.Torch.Tests;

/// <summary>Base for tests that write files: a fresh temporary directory per test, deleted afterwards.</summary>
public abstract class TempDirectoryTest : IDisposable
{
    protected string Dir { get; } = Directory.CreateTempSubdirectory("mlnetllm-torch-test-").FullName;

    protected string PathOf(string name) => Path.Combine(Dir, name);

    public void Dispose()
    {
        if (Directory.Exists(Dir)) Directory.Delete(Dir, true);
        GC.SuppressFinalize(this);
    }
}
