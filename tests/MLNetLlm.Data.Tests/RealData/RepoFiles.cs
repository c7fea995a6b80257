using MLNetLlm.IO;

namespace MLNetLlm.Data.Tests.RealData;

/// <summary>Finds files of the repository (data/spam samples) and the shared HF fixture from the test binary's folder.</summary>
internal static class RepoFiles
{
    static string Find(string relative, string? env = null)
    {
        if (env != null && Environment.GetEnvironmentVariable(env) is { Length: > 0 } fromEnv) return fromEnv;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"'{relative}' was not found in any folder above {AppContext.BaseDirectory}.");
    }

    static readonly Lazy<DelimitedTable> Train = new(() => DelimitedFile.Read(Find("data/spam/sample-train.csv")));
    static readonly Lazy<DelimitedTable> Test = new(() => DelimitedFile.Read(Find("data/spam/sample-test.csv")));

    public static DelimitedTable SpamTrain => Train.Value;

    /// <summary>The shipped chinese-poetry sample of a task ("dynasty" or "form"), train part.</summary>
    public static DelimitedTable PoetryTrain(string task) => DelimitedFile.Read(Find($"data/poetry/{task}/sample-train.csv"));
    public static DelimitedTable SpamTest => Test.Value;

    public static string BertVocabulary => Path.Combine(Find("shared/fixtures/hf-tiny-bert", "MLNETLLM_HF_FIXTURE"), "vocab.txt");
}
