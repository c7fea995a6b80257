using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary><c>serve</c> as a child process: a warning when it listens beyond loopback, none on loopback; SIGTERM stops it cleanly.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class ServeProcessTests(TrainedModels models)
{
    [Theory]
    [InlineData("0.0.0.0", true)]
    [InlineData("127.0.0.1", false)]
    public void BindingBeyondLoopbackIsWarnedAbout(string host, bool warned)
    {
        using var child = new ToolChild("serve", "--model", models.BinaryModel, "--host", host, "--port", "0");
        child.WaitForLines("^Serving ", 1, TimeSpan.FromMinutes(2));
        child.Signal("TERM");
        Assert.Equal(0, child.WaitForExit(TimeSpan.FromMinutes(1)));
        if (warned)
        {
            Assert.Contains($"warning: --host {host} serves the model beyond this machine", child.Err);
            Assert.Contains("without authentication", child.Err);
        }
        else Assert.DoesNotContain("warning", child.Err);
    }
}
