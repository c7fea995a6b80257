using System.Text.Json;
using Microsoft.ML;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data.Languages;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>--language on train, clean, augment and predict, on the shipped chinese-poetry sample.</summary>
public sealed class ChineseLanguageTests : IClassFixture<ChineseLanguageTests.FormModel>
{
    /// <summary>One model trained (language detected) on the form sample, shared by the tests of this class.</summary>
    public sealed class FormModel : IDisposable
    {
        public FormModel()
        {
            Result = CliResult.Run("train", "--dataset", Poetry("form", "train"), "--validation-dataset", Poetry("form", "test"),
                "--positive-label", "ci", "-o", Folder.File("form"));
        }

        public TempFolder Folder { get; } = new();
        public CliResult Result { get; }
        public string Output => Folder.File("form");

        public void Dispose() => Folder.Dispose();
    }

    readonly FormModel _form;

    public ChineseLanguageTests(FormModel form) => _form = form;

    static string Poetry(string task, string part)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string path = Path.Combine(d.FullName, "data", "poetry", task, $"sample-{part}.csv");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"data/poetry/{task}/sample-{part}.csv not found.");
    }

    [Fact]
    public void TrainDetectsChineseSegmentsBeforeFeaturizingAndRecordsTheLanguage()
    {
        _form.Result.AssertSuccess();
        Assert.Contains("Language: zh (detected", _form.Result.Out);
        Assert.Contains("SegmentWords(jieba) → FeaturizeText(Text)", _form.Result.Out);
        var metadata = new MLContext().Llm().Model.ReadMetadata(Path.Combine(_form.Output, TrainingRun.ModelFileName));
        Assert.Equal("zh", metadata["language"]);
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_form.Output, TrainingRun.MetricsFileName)));
        Assert.True(metrics.RootElement.GetProperty("metrics").GetProperty("accuracy").GetDouble() >= 0.65, metrics.RootElement.ToString());
        // the generated training code builds the same pipeline, with the segmentation step and its library
        string code = File.ReadAllText(Directory.GetFiles(_form.Output, "*.cs", SearchOption.AllDirectories).First(f => File.ReadAllText(f).Contains("BuildPipeline")));
        Assert.Contains("mlContext.Llm().SegmentWords(\"Text\", \"Text\")", code);
        Assert.Contains("using MLNetLlm.Chinese;", code);
        Assert.Contains("MLNetLlm.Chinese", File.ReadAllText(Directory.GetFiles(_form.Output, "*.csproj", SearchOption.AllDirectories).Single()));
    }

    [Fact]
    public void PredictServesTheChineseModelAndChecksTheLanguage()
    {
        _form.Result.AssertSuccess();
        string model = Path.Combine(_form.Output, TrainingRun.ModelFileName);
        var ok = CliResult.RunWithInput("床前明月光，疑是地上霜。举头望明月，低头思故乡。\n寻寻觅觅，冷冷清清，凄凄惨惨戚戚。\n", "predict", "-m", model, "--language", "zh");
        ok.AssertSuccess();
        var lines = ok.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Matches("^(shi|ci),", l));

        // the served model gives the accuracy train measured, row by row from the test file
        var file = CliResult.Run("predict", "-m", model, "-i", Poetry("form", "test"), "-o", _form.Folder.File("p.csv"));
        file.AssertSuccess();
        var predicted = DelimitedFile.Read(_form.Folder.File("p.csv"));
        var truth = DelimitedFile.Read(Poetry("form", "test"));
        double accuracy = truth.Rows.Select((r, i) => r[truth.ColumnIndex("Label")] == predicted.Rows[i][predicted.ColumnIndex("PredictedLabel")] ? 1.0 : 0.0).Average();
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(_form.Output, TrainingRun.MetricsFileName)));
        Assert.Equal(metrics.RootElement.GetProperty("metrics").GetProperty("accuracy").GetDouble(), accuracy, 9);

        CliResult.RunWithInput("hello world\n", "predict", "-m", model, "--language", "en").AssertOneLineError("--language en", "zh");
        var warned = CliResult.RunWithInput("hello there, my friend\n", "predict", "-m", model);
        warned.AssertSuccess();
        Assert.Contains("--language", warned.Err);
    }

    [Fact]
    public void TrainWithLanguageEnOnChineseTextDoesNotSegment()
    {
        using var tmp = new TempFolder();
        var r = CliResult.Run("train", "--dataset", Poetry("form", "train"), "--validation-dataset", Poetry("form", "test"),
            "--positive-label", "ci", "--language", "en", "-o", tmp.File("en"));
        r.AssertSuccess();
        Assert.Contains("Language: en (--language)", r.Out);
        Assert.DoesNotContain("SegmentWords", r.Out);
        Assert.Contains("\"language\": \"en\"", File.ReadAllText(Path.Combine(tmp.File("en"), RunConfig.FileName)));
    }

    [Fact]
    public void ABadLanguageIsRefusedNamingTheOption()
    {
        var r = CliResult.Run("train", "--dataset", Poetry("form", "train"), "--language", "fr", "-o", "/tmp/never");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--language", r.Out + r.Err);
        using var tmp = new TempFolder();
        string config = tmp.Write("run.json", $$"""{ "dataset": {{JsonSerializer.Serialize(Poetry("form", "train"))}}, "output": {{JsonSerializer.Serialize(tmp.File("o"))}}, "language": "klingon" }""");
        CliResult.Run("train", "--config", config).AssertOneLineError("--language", "klingon");
    }

    [Fact]
    public void TheAutomlPipelineForChineseSearchesSegmentationOnAndOff()
    {
        var signature = new ModelSignature { Task = TaskKind.Binary, LabelColumn = "Label", TextColumns = ["Text"], PositiveLabel = "song", NegativeLabel = "tang", Classes = ["tang", "song"] };
        var config = new RunConfig { MaxTrials = 2, ResolvedLanguage = TextLanguage.Chinese };
        var pipeline = AutoPipelineFactory.Create(new MLContext(1), signature, config, threads: 1);
        string code = AutoPipelineFactory.Code(signature, config, 1);
        Assert.Contains("segment_Text", code);
        Assert.Contains("unsegmented_Text", code);
        Assert.Contains("segment_Text|unsegmented_Text", pipeline.SearchSpace.Keys); // a one-of stage: segmentation on or off
        var english = AutoPipelineFactory.Code(signature, new RunConfig { MaxTrials = 2 }, 1);
        Assert.DoesNotContain("segment_", english);
    }

    [Fact]
    public void AugmentChineseNeedsSynonymsForSynonymEditsAndKeepsTextUnspaced()
    {
        using var tmp = new TempFolder();
        string data = tmp.Write("zh.csv", "Text,Label\n床前明月光，疑是地上霜。举头望明月，低头思故乡。,shi\n春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。,shi\n");
        CliResult.Run("augment", "--dataset", data, "-o", tmp.File("a.csv")).AssertOneLineError("--synonyms");
        CliResult.Run("augment", "--dataset", data, "-o", tmp.File("a.csv"), "--wordnet", "/usr/share/wordnet", "--language", "zh").AssertOneLineError("--wordnet");

        string synonyms = tmp.Write("zh-synonyms.txt", "明月 月亮\n故乡 家乡 老家\n风雨 风雨交加\n");
        var r = CliResult.Run("augment", "--dataset", data, "-o", tmp.File("a.csv"), "--synonyms", synonyms, "--per-row", "3", "--rate", "0.3");
        r.AssertSuccess();
        Assert.Contains("Language: zh", r.Out);
        var table = DelimitedFile.Read(tmp.File("a.csv"));
        Assert.Equal(2 + 6, table.Rows.Count);
        Assert.All(table.Rows, row => Assert.DoesNotContain(" ", row[0]));
        Assert.Contains(table.Rows.Skip(2), row => row[0] != table.Rows[0][0] && row[0] != table.Rows[1][0]);
    }

    [Fact]
    public void CleanChineseStripsEscapesConvertsWidthAndFindsNearDuplicatesByCharacters()
    {
        using var tmp = new TempFolder();
        string data = tmp.Write("zh.csv",
            "Text\n\"\u001b[31m白日依山尽，黄河入海流。欲穷千里目，更上一层楼。\u001b[0m\"\n白日依山尽，黄河入海流。欲穷千里目，更上一层台。\nＡＢＣ１２３，春眠不觉晓。\n");
        var r = CliResult.Run("clean", "--dataset", data, "-o", tmp.File("c.csv"), "--strip-ansi", "--width", "half", "--punctuation", "ascii", "--jaccard", "0.6");
        r.AssertSuccess();
        Assert.Contains("Language: zh", r.Out);
        var rows = DelimitedFile.Read(tmp.File("c.csv")).Rows;
        Assert.Equal(2, rows.Count); // the one-character variant is a near duplicate
        Assert.Equal("白日依山尽,黄河入海流.欲穷千里目,更上一层楼.", rows[0][0]);
        Assert.Equal("abc123,春眠不觉晓.", rows[1][0]);
        CliResult.Run("clean", "--dataset", data, "-o", tmp.File("d.csv"), "--no-normalize", "--strip-ansi").AssertOneLineError("--strip-ansi", "--no-normalize");
    }
}
