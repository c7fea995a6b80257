using System.Globalization;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>
/// A fine-tuned BERT model file reloads in a fresh process with the predictions of the process that trained it:
/// train and predict in-process, then predict again with the tool as a separate child process.
/// </summary>
public sealed class FreshProcessReloadTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    static string SpamSample(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", "spam", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException($"data/spam/{name} was not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Every <paramref name="step"/>-th row of a shipped sample (the files are sorted by label, so both labels are kept).</summary>
    string Subset(string sample, int step)
    {
        var table = DelimitedFile.Read(SpamSample(sample));
        string path = _tmp.File(sample);
        DelimitedFile.Write(path, table.Header, table.Rows.Where((_, i) => i % step == 0).ToList());
        return path;
    }

    static List<string[]> Rows(string csv)
    {
        var table = DelimitedFile.Parse(csv, "predictions", ',');
        Assert.Equal(["Id", "PredictedLabel", "Probability", "Score"], table.Header);
        return table.Rows.Select(r => r.ToArray()).ToList();
    }

    static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Trait("Speed", "Slow")]
    [Fact]
    public void BertModelFilePredictsTheSameInAChildProcess()
    {
        string train = Subset("sample-train.csv", 10), test = Subset("sample-test.csv", 5);
        string output = _tmp.File("bert");
        CliResult.Run("train", "--dataset", train, "--test-dataset", test, "--positive-label", "spam", "--trainer", "bert",
            "--pretrained", HfFixture.Path(), "--epochs", "1", "--batch-size", "8", "--max-length", "32", "--device", "cpu",
            "--output", output).AssertSuccess();
        string model = Path.Combine(output, "model.mlnetllm");

        // Same process as the training run (its model file loaded here) ...
        var inProcess = CliResult.Run("predict", "--model", model, "--input", test, "--id-col", "Id");
        inProcess.AssertSuccess();
        // ... and a fresh process that has never seen the model.
        var child = ToolProcess.Run("", "predict", "--model", model, "--input", test, "--id-col", "Id");
        Assert.True(child.Code == 0, child.Err);

        var expected = Rows(inProcess.Out);
        var actual = Rows(child.Out);
        Assert.Equal(30, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i][0], actual[i][0]);
            Assert.Equal(expected[i][1], actual[i][1]);
            Assert.Equal(Number(expected[i][2]), Number(actual[i][2]), 1e-6);
            Assert.Equal(Number(expected[i][3]), Number(actual[i][3]), 1e-6);
        }
        // The comparison means something only if the model tells the mails apart.
        Assert.True(expected.Select(r => r[3]).Distinct().Count() > 10, "the scores barely vary: " + string.Join(" ", expected.Select(r => r[3])));
    }
}
