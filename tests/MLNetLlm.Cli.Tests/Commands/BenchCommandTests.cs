using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>mlnet-llm bench: the subcommands reach the library benchmarks (tiny settings; no timings are asserted).</summary>
public sealed class BenchCommandTests
{
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
        if (!MLNetLlm.Torch.Devices.TorchDevice.CudaAvailable())
            CliResult.Run("bench", "torch", "gpu", "--steps", "1").AssertOneLineError("CUDA is not available");
    }
}
