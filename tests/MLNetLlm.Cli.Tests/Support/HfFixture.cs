namespace MLNetLlm.Cli.Tests.Support;

/// <summary>The tiny HF BERT checkpoint shared by the test suites: env MLNETLLM_HF_FIXTURE, else shared/fixtures/hf-tiny-bert above the tests.</summary>
public static class HfFixture
{
    public static string Path()
    {
        var env = Environment.GetEnvironmentVariable("MLNETLLM_HF_FIXTURE");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared", "fixtures", "hf-tiny-bert");
            if (File.Exists(System.IO.Path.Combine(candidate, "config.json"))) return candidate;
        }
        throw new InvalidOperationException($"The HF tiny BERT fixture was not found (set MLNETLLM_HF_FIXTURE or put shared/fixtures/hf-tiny-bert above {AppContext.BaseDirectory}).");
    }
}
