using System.Text.Json;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Tests.Configuration;

public sealed class RunConfigTests
{
    [Fact]
    public void SavedConfigKeepsTheConnectionButNotItsPassword()
    {
        string dir = Directory.CreateTempSubdirectory("runcfg-").FullName;
        try
        {
            var config = new RunConfig { Storage = "Host=db.local;Port=5433;Username=ml;Password=s3cret;Database=studies" };
            string path = Path.Combine(dir, "run.json");
            config.Save(path);
            string json = File.ReadAllText(path);
            Assert.DoesNotContain("s3cret", json);
            string saved = JsonDocument.Parse(json).RootElement.EnumerateObject()
                .First(p => p.Name.Equals("storage", StringComparison.OrdinalIgnoreCase)).Value.GetString()!;
            Assert.True(RunConfig.IsConnectionString(saved));
            Assert.Contains("db.local", saved);
            Assert.Contains("5433", saved);
            Assert.Contains("studies", saved);
            Assert.Equal("Host=db.local;Port=5433;Username=ml;Password=s3cret;Database=studies", config.Storage); // the live config is untouched
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("Host=h;Password=x;Database=d", "x")]
    [InlineData("Server=h;PWD=y", "y")]
    public void WithoutPasswordRemovesEitherSpelling(string connection, string secret)
    {
        string stripped = RunConfig.WithoutPassword(connection);
        Assert.DoesNotContain("=" + secret, stripped);
        Assert.Contains("h", stripped);
    }
}
