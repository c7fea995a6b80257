using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>mlnet-llm bench: the subcommands reach the library benchmarks (tiny settings; no timings are asserted).</summary>
public sealed class BenchCommandTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void SpamScoresFileHasOneRowPerTestMailWithItsLabelAndTheBaselinesProbability()
    {
        // Two vocabularies that never mix, so a working n-gram model gives every spam mail a higher probability than every ham mail.
        static string Mails(int rows, int seed)
        {
            var random = new Random(seed);
            string[] spam = ["winner", "prize", "cash", "offer", "free", "click"], ham = ["meeting", "patch", "review", "lunch", "build", "notes"];
            var lines = new List<string> { "Label,Text" };
            for (int i = 0; i < rows; i++)
            {
                bool isSpam = random.Next(3) == 0;
                var words = Enumerable.Range(0, 8).Select(_ => (isSpam ? spam : ham)[random.Next(6)]);
                lines.Add($"{(isSpam ? "spam" : "ham")},{string.Join(' ', words)}");
            }
            return string.Join('\n', lines) + "\n";
        }
        string train = _tmp.Write("train.csv", Mails(120, 1)), test = _tmp.Write("test.csv", Mails(40, 2)), scores = _tmp.File("scores.csv");
        CliResult.Run("bench", "torch", "spam", "--train", train, "--test", test, "--baseline-only", "--scores", scores).AssertSuccess();

        var expected = File.ReadAllLines(test).Skip(1).Select(l => l.StartsWith("spam,", StringComparison.Ordinal) ? "1" : "0").ToArray();
        var lines = File.ReadAllLines(scores);
        Assert.Equal("Row,Label,Baseline,Model", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(expected.Length, rows.Length);
        Assert.Equal(Enumerable.Range(0, rows.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Select(r => r[0]));
        Assert.Equal(expected, rows.Select(r => r[1]));
        Assert.All(rows, r => Assert.Equal("", r[3]));
        var p = rows.Select(r => double.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.All(p, v => Assert.InRange(v, 0, 1));
        double lowestSpam = p.Where((_, i) => expected[i] == "1").Min(), highestHam = p.Where((_, i) => expected[i] == "0").Max();
        Assert.True(lowestSpam > highestHam, $"spam probabilities from {lowestSpam} should all be above ham's up to {highestHam}");
        Assert.False(File.Exists(scores + ".tmp"));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void TunersPrintsTheRegretTableWithDateAndLoad()
    {
        var r = CliResult.Run("bench", "tuners", "--functions", "branin", "--tuners", "random,smac", "--seeds", "2", "--budgets", "4", "--parallel", "1");
        r.AssertSuccess();
        Assert.Contains("| Function | Evals | Random | SMAC |", r.Out);
        Assert.Matches(@"\| Branin \| 4 \| \d+\.\d+ \(\d+\.\d+–\d+\.\d+\) \| \d+\.\d+ \(\d+\.\d+–\d+\.\d+\) \|", r.Out);
        Assert.Contains("Screening half", r.Out);
        Assert.Contains("load average", r.Out);
    }

    [Fact]
    public void BadInputGivesOneLineErrors()
    {
        CliResult.Run("bench", "data", "ablation", "--data", "/no/such/folder").AssertOneLineError("/no/such/folder", "does not exist");
        CliResult.Run("bench", "tuners", "--budgets", "ten").AssertOneLineError("--budgets", "'ten'");
        CliResult.Run("bench", "tuners", "--functions", "sphere").AssertOneLineError("--functions", "'sphere'");
        CliResult.Run("bench", "tuners", "--tuners", "anneal").AssertOneLineError("--tuners", "'anneal'");
        CliResult.Run("bench", "tuners", "--functions", "branin", "--tuners", "tpe", "--seeds", "1", "--optuna-script", "/no/such/optuna.py")
            .AssertOneLineError("--optuna-script", "/no/such/optuna.py");
        CliResult.Run("bench", "distill", "--student", "3").AssertOneLineError("--student", "'3'");
        CliResult.Run("bench", "distill", "--rounds", "5").AssertOneLineError("--rounds", "two numbers");
        CliResult.Run("bench", "distill", "--train", "/no/such/train.csv").AssertOneLineError("/no/such/train.csv", "not found");
        CliResult.Run("bench", "distill", "--strip-email-headers").AssertOneLineError("--strip-email-headers", "--normalize");
        CliResult.Run("bench", "distill", "--pretrained", "/no/such/model").AssertOneLineError("--pretrained", "/no/such/model");
        CliResult.Run("bench", "distill", "--teacher-model", "/no/such/teacher").AssertOneLineError("--teacher-model", "/no/such/teacher", "scorer.json");
        CliResult.Run("bench", "distill", "--teacher-model", "/no/such/teacher", "--pretrained", "all-MiniLM-L6-v2")
            .AssertOneLineError("--teacher-model", "--pretrained");
        if (!MLNetLlm.Torch.Devices.TorchDevice.CudaAvailable())
            CliResult.Run("bench", "torch", "gpu", "--steps", "1").AssertOneLineError("CUDA is not available");
    }
}
