using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Benchmarks.Torch.Compression;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Benchmarks.Tests.Torch.Compression;

public sealed class DistillationBenchmarkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlnetllm-distill-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes the first <paramref name="rows"/> mails of a shipped sample as a Text,Label CSV.</summary>
    private string Csv(string name, MLNetLlm.IO.DelimitedTable table, int rows)
    {
        var texts = table.Column("Text");
        var labels = table.Column("Label");
        // Both classes: the sample files are ordered ham first, so take from both ends.
        var pick = Enumerable.Range(0, rows / 2).Concat(Enumerable.Range(texts.Length - rows / 2, rows / 2));
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, new[] { "Text,Label" }.Concat(pick.Select(i => $"\"{texts[i].Replace("\"", "\"\"", StringComparison.Ordinal)}\",{labels[i]}")));
        return path;
    }

    [Fact]
    public void PretrainedTeacherGivesSameWidthStudentsItsHeadsAndTimesInt8Variants()
    {
        var c = HfFixture.Config;
        var log = new StringWriter();
        var result = DistillationBenchmark.Run(new DistillationBenchmarkOptions
        {
            TrainPath = Csv("train.csv", RepoFiles.SpamTrain, 24),
            TestPath = Csv("test.csv", RepoFiles.SpamTest, 16),
            PretrainedModelPath = HfFixture.Dir,
            PretrainedLabel = "hf-tiny-bert",
            Normalization = new TextNormalizerOptions { StripEmailHeaders = true },
            Students = [StudentSize.Parse($"1x{c.HiddenSize}")],
            TeacherEpochs = 1,
            StudentEpochs = 1,
            MaxLength = 32,
            BatchSize = 8,
            Threads = 1,
            Batch1Rounds = 1,
            Batch32Rounds = 1,
            WorkDirectory = Path.Combine(_dir, "work"),
            Log = log,
        });
        string student = $"student 1×{c.HiddenSize} distilled";
        Assert.Equal(
            new[] { ("teacher", "ONNX Runtime"), ("teacher", "TorchSharp"), ("teacher + dynamic int8", "ONNX Runtime"),
                    (student, "ONNX Runtime"), (student, "TorchSharp"), (student + " + dynamic int8", "ONNX Runtime") }.Order(),
            result.Rows.Select(r => (r.Variant, r.Runtime)).Order());
        // Unset heads / FFN: the student keeps the teacher's head size and FFN width, so its copied attention splits
        // into the same heads as the teacher's.
        Assert.Contains($"{student} 1×{c.HiddenSize} ({c.NumAttentionHeads} heads, FFN {c.IntermediateSize})", log.ToString(), StringComparison.Ordinal);
        long Bytes(string variant) => result.Rows.First(r => r.Variant == variant).ModelFileBytes;
        Assert.True(Bytes(student) < Bytes("teacher"), "one layer fewer is a smaller file");
        Assert.True(Bytes(student + " + dynamic int8") < Bytes(student), "int8 weights are a smaller file");
        Assert.All(result.Rows, r => Assert.True(r.Batch1Milliseconds > 0 && r.Batch32Milliseconds > 0));
        Assert.Contains("fine-tuned from hf-tiny-bert", result.Settings, StringComparison.Ordinal);
        Assert.Contains("e-mail headers stripped", result.Settings, StringComparison.Ordinal);
        Assert.Contains("students 1 epochs at lr 0.0001", result.Settings, StringComparison.Ordinal); // the pretrained default
        string markdown = result.ToMarkdown();
        Assert.Contains($"| {student} + dynamic int8 | ONNX Runtime |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void NormalizationStripsHeadersOnceAndKeepsLabels()
    {
        var ml = new MLContext(seed: 1);
        string mail = "From: someone@example.com\nReceived: from mx.example.com\nSubject: Cheap Pills\n\nBuy NOW at our shop.";
        var view = MLNetLlm.DataViews.InMemoryDataView.FromColumns(
            ("Text", TextDataViewType.Instance, new[] { mail.AsMemory(), "Hello  World".AsMemory() }),
            ("Label", BooleanDataViewType.Instance, new[] { true, false }));
        Assert.Same(view, DistillationBenchmark.Normalized(view, null));
        var cleaned = DistillationBenchmark.Normalized(view, new TextNormalizerOptions { StripEmailHeaders = true });
        var texts = cleaned.GetColumn<ReadOnlyMemory<char>>("Text").Select(t => t.ToString()).ToArray();
        Assert.DoesNotContain("someone@example.com", texts[0], StringComparison.Ordinal);
        Assert.DoesNotContain("mx.example.com", texts[0], StringComparison.Ordinal);
        Assert.Contains("cheap pills", texts[0], StringComparison.Ordinal); // the Subject stays, case-folded
        Assert.Contains("buy now at our shop.", texts[0], StringComparison.Ordinal);
        Assert.Equal("hello world", texts[1]);
        Assert.Equal(new[] { true, false }, cleaned.GetColumn<bool>("Label").ToArray());
    }
}
