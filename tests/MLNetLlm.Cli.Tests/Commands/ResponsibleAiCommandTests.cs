using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Serving;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary><c>audit</c>, <c>guard</c>, <c>predict --explain</c> and <c>serve ?explain=true</c> on the trained fixture models.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class ResponsibleAiCommandTests(TrainedModels models)
{
    /// <summary>The binary test file with a Group column that is correlated with the label, so groups differ.</summary>
    string GroupedBinaryTest(string name)
    {
        var table = DelimitedFile.Read(models.BinaryTest);
        var sb = new StringBuilder("Id,Group,Label,Text\n");
        for (int i = 0; i < table.Rows.Count; i++)
        {
            var r = table.Rows[i];
            string label = r[table.ColumnIndex("Label")];
            string group = i % 5 == 0 ? "c" : label == "spam" ? "a" : "b";
            sb.Append(CultureInfo.InvariantCulture, $"{r[0]},{group},{label},{DelimitedFile.Quote(r[table.ColumnIndex("Text")], ',')}\n");
        }
        return models.Folder.Write(name, sb.ToString());
    }

    [Fact]
    public void AuditNumbersMatchCountsOfThePredictions()
    {
        string data = GroupedBinaryTest("audit/grouped.csv");
        string dir = models.Folder.File("audit/out");
        var r = CliResult.Run("audit", "--model", models.BinaryOutput, "--dataset", data, "--sensitive-col", "Group", "-o", dir);
        r.AssertSuccess();
        Assert.Contains("demographic parity: difference", r.Out);

        // Independent counts: the predictions from `predict`, grouped by hand.
        var p = CliResult.Run("predict", "--model", models.BinaryModel, "--input", data, "--format", "jsonl");
        p.AssertSuccess();
        var predicted = p.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("predictedLabel").GetString()).ToArray();
        var table = DelimitedFile.Read(data);
        var rows = table.Rows.Select((row, i) => (Group: row[1], Truth: row[2], Pred: predicted[i])).ToArray();
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json"))).RootElement;
        var result = json.GetProperty("results")[0];
        Assert.Equal("spam", result.GetProperty("positiveLabel").GetString());
        var selection = new Dictionary<string, double>();
        foreach (var g in result.GetProperty("byGroup").EnumerateArray())
        {
            string name = g.GetProperty("group").GetString()!;
            var mine = rows.Where(x => x.Group == name).ToArray();
            Assert.Equal(mine.Length, g.GetProperty("count").GetInt32());
            double sel = (double)mine.Count(x => x.Pred == "spam") / mine.Length;
            selection[name] = sel;
            AssertClose.Equal(sel, g.GetProperty("selectionRate").GetDouble(), abs: 1e-9);
            AssertClose.Equal((double)mine.Count(x => x.Pred == x.Truth) / mine.Length, g.GetProperty("accuracy").GetDouble(), abs: 1e-9);
        }
        Assert.Equal(["a", "b", "c"], selection.Keys.Order());
        AssertClose.Equal(selection.Values.Max() - selection.Values.Min(), result.GetProperty("disparities").GetProperty("demographicParityDifference").GetDouble(), abs: 1e-9);
        Assert.True(json.GetProperty("passed").GetBoolean());
        string html = File.ReadAllText(Path.Combine(dir, "report.html"));
        Assert.Contains("data:image/png;base64,", html);
        Assert.Contains("demographic parity", html);
    }

    [Fact]
    public void AuditFailsTheGateWithItsOwnExitCode()
    {
        string data = GroupedBinaryTest("gate/grouped.csv");
        string dir = models.Folder.File("gate/out");
        var r = CliResult.Run("audit", "--model", models.BinaryModel, "--dataset", data, "--sensitive-col", "Group", "--max-dp-difference", "0.05", "-o", dir);
        Assert.Equal(5, r.ExitCode);
        Assert.Contains("exceeds --max-dp-difference 0.05", r.Err);
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json"))).RootElement;
        Assert.False(json.GetProperty("passed").GetBoolean());
        Assert.Equal(0.05, json.GetProperty("thresholds").GetProperty("maxDemographicParityDifference").GetDouble());
    }

    [Fact]
    public void AuditOfAMulticlassModelIsOneVsRestPerClass()
    {
        var table = DelimitedFile.Read(models.MulticlassTest);
        var sb = new StringBuilder("Group,Label,Text\n");
        for (int i = 0; i < table.Rows.Count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{(i % 2 == 0 ? "even" : "odd")},{table.Rows[i][1]},{DelimitedFile.Quote(table.Rows[i][2], ',')}\n");
        string data = models.Folder.Write("multi-audit/data.csv", sb.ToString());
        string dir = models.Folder.File("multi-audit/out");
        CliResult.Run("audit", "--model", models.MulticlassModel, "--dataset", data, "--sensitive-col", "Group", "-o", dir).AssertSuccess();
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "audit.json"))).RootElement;
        Assert.Equal("multiclass-one-vs-rest", json.GetProperty("kind").GetString());
        Assert.Equal(["ham", "spam", "sports"], json.GetProperty("results").EnumerateArray().Select(x => x.GetProperty("positiveLabel").GetString()!).Order());
    }

    [Fact]
    public void AuditErrorsAreOneLine()
    {
        CliResult.Run("audit", "--model", models.BinaryModel, "--dataset", models.BinaryTest, "--sensitive-col", "Source")
            .AssertOneLineError("Column 'Source' not found", "Id, Label, Text");
        CliResult.Run("audit", "--model", models.BinaryModel, "--dataset", models.BinaryTest, "--sensitive-col", "Label", "--max-eo-difference", "1.5")
            .AssertOneLineError("--max-eo-difference must be between 0 and 1");
        CliResult.Run("audit", "--model", models.PairsModel, "--dataset", models.PairsTrain, "--sensitive-col", "Id")
            .AssertOneLineError("regression model");
    }

    string Guarded(string name)
    {
        string lexicon = models.Folder.Write($"{name}/lex.txt", "# blocked words\nblock: viagra\nflag: lottery\n");
        string rules = models.Folder.Write($"{name}/rules.txt", "abstain below 0.2\nnever spam when \"project review\"\nreview when flagged\n");
        string output = models.Folder.File($"{name}/guarded.mlnetllm");
        CliResult.Run("guard", "--model", models.BinaryOutput, "--lexicon", lexicon, "--rules", rules, "-o", output).AssertSuccess();
        return output;
    }

    [Fact]
    public async Task AGuardedModelSaysWhichRuleFiredInPredictAndServe()
    {
        string model = Guarded("guard1");
        string rules = models.Folder.File("guard1/rules.txt"), lex = models.Folder.File("guard1/lex.txt");
        string input = "{\"Text\": \"cheap VIAGRA offer\"}\n{\"Text\": \"free cash prize project review\"}\n{\"Text\": \"lottery meeting notes\"}\n{\"Text\": \"free cash prize winner\"}\n";
        var r = CliResult.RunWithInput(input, "predict", "--model", model, "--format", "jsonl");
        r.AssertSuccess();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(("blocked", $"input filter: block term 'viagra' ({lex}:2)"), (lines[0].GetProperty("decision").GetString(), lines[0].GetProperty("rule").GetString()));
        Assert.Equal(("review", $"{rules}:2: never spam when \"project review\""), (lines[1].GetProperty("decision").GetString(), lines[1].GetProperty("rule").GetString()));
        Assert.Equal(("review", $"{rules}:3: review when flagged"), (lines[2].GetProperty("decision").GetString(), lines[2].GetProperty("rule").GetString()));
        Assert.Equal("predict", lines[3].GetProperty("decision").GetString());
        Assert.Equal("spam", lines[3].GetProperty("finalLabel").GetString());
        Assert.Equal(JsonValueKind.Null, lines[3].GetProperty("rule").ValueKind);

        var server = await PredictionServer.StartAsync(ModelPredictor.Load(model), new ServerOptions { Port = 0 });
        try
        {
            using var client = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };
            using var response = await client.PostAsync("predict?explain=true&top=3", new StringContent("{\"Text\": \"cheap VIAGRA offer\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("blocked", body.GetProperty("decision").GetString());
            Assert.Contains("block term 'viagra'", body.GetProperty("rule").GetString());
            Assert.Equal(3, body.GetProperty("explanation").GetProperty("top").GetArrayLength());
            using var bad = await client.PostAsync("predict?top=0", new StringContent("{\"Text\": \"x\"}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        }
        finally { await server.DisposeAsync(); }
    }

    [Fact]
    public void ABadRuleFileIsAOneLineErrorNamingFileAndLine()
    {
        string rules = models.Folder.Write("badrules/rules.txt", "abstain below 0.5\nnever spma when \"x\"\n");
        CliResult.Run("guard", "--model", models.BinaryModel, "--rules", rules, "-o", models.Folder.File("badrules/g.mlnetllm"))
            .AssertOneLineError($"{rules}:2: label 'spma' is not one of the model's classes (ham, spam)");
        string typo = models.Folder.Write("badrules/typo.txt", "# ok\n\nreveiw when \"x\"\n");
        CliResult.Run("guard", "--model", models.BinaryModel, "--rules", typo, "-o", models.Folder.File("badrules/g.mlnetllm"))
            .AssertOneLineError($"{typo}:3: unknown rule 'reveiw when \"x\"'");
        Assert.False(File.Exists(models.Folder.File("badrules/g.mlnetllm")));
    }

    [Fact]
    public void PredictExplainGivesContributionsThatAddUpToTheScore()
    {
        var r = CliResult.RunWithInput("{\"Text\": \"free cash prize meeting report\"}\n", "predict", "--model", models.BinaryModel, "--format", "jsonl", "--explain", "--top", "4");
        r.AssertSuccess();
        var p = JsonDocument.Parse(r.Out.Trim()).RootElement;
        var e = p.GetProperty("explanation");
        Assert.Equal("feature-contribution", e.GetProperty("method").GetString());
        Assert.Equal(4, e.GetProperty("top").GetArrayLength());
        AssertClose.Equal(p.GetProperty("score").GetDouble(), e.GetProperty("reference").GetDouble() + e.GetProperty("sum").GetDouble(), abs: 1e-5);
        var names = e.GetProperty("top").EnumerateArray().Select(x => x.GetProperty("feature").GetString()!).ToArray();
        Assert.All(names, n => Assert.True(n.StartsWith("word: ", StringComparison.Ordinal) || n.StartsWith("chars: ", StringComparison.Ordinal), n));

        var csv = CliResult.RunWithInput("free cash prize\n", "predict", "--model", models.BinaryModel, "--explain", "--top", "2");
        csv.AssertSuccess();
        Assert.StartsWith("PredictedLabel,Probability,Score,Explanation\n", csv.Out);
        CliResult.RunWithInput("x\n", "predict", "--model", models.BinaryModel, "--explain", "--top", "0").AssertOneLineError("--top must be at least 1");
    }
}
