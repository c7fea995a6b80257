using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

public sealed class AugmentCommandTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void AugmentAppendsEditedCopiesWithTheirLabelsDeterministically()
    {
        string input = _tmp.Write("in.csv", SyntheticData.Classification(12, seed: 3, "spam", "ham"));
        string a = _tmp.File("a.csv"), b = _tmp.File("b.csv");
        var r = CliResult.Run("augment", "--dataset", input, "--output", a, "--per-row", "2", "--rate", "0.3", "--only-label", "spam");
        r.AssertSuccess();
        Assert.Contains("12 rows in, 12 augmented rows added, 24 rows written", r.Out);
        CliResult.Run("augment", "--dataset", input, "--output", b, "--per-row", "2", "--rate", "0.3", "--only-label", "spam").AssertSuccess();
        Assert.Equal(File.ReadAllText(a), File.ReadAllText(b));

        var source = DelimitedFile.Read(input);
        var result = DelimitedFile.Read(a);
        Assert.Equal(source.Rows, result.Rows.Take(12)); // originals first, unchanged
        var added = result.Rows.Skip(12).ToArray();
        Assert.All(added, row => Assert.Equal("spam", row[1]));
        var originals = source.Rows.ToDictionary(row => row[0], row => row[2]);
        int changed = added.Count(row => row[2] != originals[row[0]]);
        Assert.True(changed >= added.Length / 2, $"only {changed} of {added.Length} copies differ from their source");
    }

    [Fact]
    public void BadAugmentSettingsAreReported()
    {
        string input = _tmp.Write("in.csv", SyntheticData.Classification(6, seed: 3, "spam", "ham"));
        CliResult.Run("augment", "--dataset", input, "--output", _tmp.File("o.csv"), "--per-row", "0").AssertOneLineError("AugmentationsPerRow");
        CliResult.Run("augment", "--dataset", input, "--output", _tmp.File("o.csv"), "--only-label", "eggs").AssertOneLineError("'eggs'", "'Label'");
        CliResult.Run("augment", "--dataset", input, "--output", _tmp.File("o.csv"), "--text-col", "Body").AssertOneLineError("'Body'");
    }
}
