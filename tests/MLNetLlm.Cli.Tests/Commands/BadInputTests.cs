using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Commands;

/// <summary>Every kind of bad input ends with a non-zero exit code and one line naming the problem.</summary>
[Collection(TrainedModelsCollection.Name)]
public sealed class BadInputTests(TrainedModels models) : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    CliResult Train(string data, params string[] more) =>
        CliResult.Run(["train", "--dataset", data, "--output", _tmp.File("out"), .. more]);

    [Fact]
    public void Missing_dataset_file_names_the_file()
    {
        string missing = _tmp.File("nope.csv");
        Train(missing).AssertOneLineError("nope.csv", "does not exist");
        Assert.False(Directory.Exists(_tmp.File("out")));
    }

    [Fact]
    public void Missing_label_column_names_the_column_and_the_columns_there_are()
    {
        Train(models.BinaryTrain, "--label-col", "Category", "--positive-label", "spam")
            .AssertOneLineError("'Category'", "train.csv", "Id, Label, Text");
    }

    [Fact]
    public void Missing_text_column_names_the_column()
    {
        Train(models.BinaryTrain, "--text-col", "Body", "--positive-label", "spam").AssertOneLineError("'Body'", "train.csv");
    }

    [Fact]
    public void Empty_file_is_reported()
    {
        Train(_tmp.Write("empty.csv", "")).AssertOneLineError("empty.csv", "empty");
    }

    [Fact]
    public void Header_without_rows_is_reported()
    {
        Train(_tmp.Write("header.csv", "Label,Text\n")).AssertOneLineError("header.csv", "no data rows");
    }

    [Fact]
    public void Binary_label_with_three_values_asks_for_multiclass()
    {
        var data = _tmp.Write("three.csv", SyntheticData.Classification(30, 1, "spam", "ham", "sports"));
        // with --task binary given (without it, three values make the task multiclass: DatasetRolesTests)
        Train(data, "--task", "binary").AssertOneLineError("'Label'", "three.csv", "3 distinct values", "multiclass");
    }

    [Fact]
    public void Binary_text_labels_without_positive_label_ask_for_it()
    {
        // with --task binary given (an inferred binary task takes the rarer value: DatasetRolesTests)
        Train(models.BinaryTrain, "--task", "binary").AssertOneLineError("'Label'", "--positive-label", "'ham'", "'spam'");
    }

    [Fact]
    public void Positive_label_that_does_not_occur_is_reported()
    {
        Train(models.BinaryTrain, "--positive-label", "junk").AssertOneLineError("'junk'", "'Label'");
    }

    [Fact]
    public void Regression_with_text_label_names_line_and_column()
    {
        Train(models.BinaryTrain, "--task", "regression").AssertOneLineError("train.csv", "line 2", "'Label'", "not a number");
    }

    [Fact]
    public void Regression_with_empty_label_names_the_line()
    {
        var data = _tmp.Write("gap.csv", "Label,Text\n1.5,good\n,bad\n0.5,ok\n2,fine\n3,great\n");
        Train(data, "--task", "regression").AssertOneLineError("gap.csv", "line 3", "'Label'", "empty");
    }

    [Fact]
    public void Malformed_csv_names_the_line()
    {
        var data = _tmp.Write("ragged.csv", "Label,Text\nspam,hello\nham,hi,extra\n");
        Train(data, "--positive-label", "spam").AssertOneLineError("ragged.csv", "line 3");
    }

    [Fact]
    public void Test_file_label_outside_the_training_classes_names_its_line()
    {
        var test = _tmp.Write("test.csv", "Id,Label,Text\n1,spam,free cash\n2,maybe,hello there\n");
        Train(models.BinaryTrain, "--test-dataset", test, "--positive-label", "spam").AssertOneLineError("test.csv", "line 3", "'maybe'");
    }

    [Fact]
    public void Missing_dataset_option_is_reported()
    {
        CliResult.Run("train", "--output", _tmp.File("out")).AssertOneLineError("--dataset");
    }

    [Fact]
    public void Split_out_of_range_is_reported()
    {
        Train(models.BinaryTrain, "--positive-label", "spam", "--split", "1.5").AssertOneLineError("--split");
    }

    [Fact]
    public void Config_file_with_unknown_setting_is_reported()
    {
        var config = _tmp.Write("run.json", "{ \"task\": \"binary\", \"datset\": \"x.csv\" }");
        CliResult.Run("train", "--config", config).AssertOneLineError("run.json", "datset");
    }

    [Fact]
    public void Unknown_option_is_a_parse_error()
    {
        var r = CliResult.Run("train", "--datasett", "x.csv");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--datasett", r.Err);
    }

    [Fact]
    public void Evaluate_with_a_file_that_is_not_a_model_is_reported()
    {
        var notModel = _tmp.Write("model.mlnetllm", "hello");
        CliResult.Run("evaluate", "--model", notModel, "--dataset", models.BinaryTest).AssertOneLineError("model.mlnetllm", "not");
    }

    [Theory]
    [InlineData("200 bytes changed, seed 1")]
    [InlineData("200 bytes changed, seed 2")]
    [InlineData("200 bytes changed, seed 3")]
    [InlineData("truncated")]
    [InlineData("another zip")]
    [InlineData("unknown type")]
    public void Evaluate_and_predict_with_a_damaged_model_name_the_file_on_one_line_and_exit_1(string damage)
    {
        string damaged = _tmp.File("damaged.mlnetllm");
        byte[] bytes = File.ReadAllBytes(models.BinaryModel);
        switch (damage)
        {
            case "truncated":
                File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
                break;
            case "another zip":
                using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Create))
                using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("not a model");
                break;
            case "unknown type":
                File.WriteAllBytes(damaged, bytes);
                using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Update))
                {
                    var entry = zip.GetEntry("manifest.json")!;
                    System.Text.Json.Nodes.JsonObject manifest;
                    using (var r = entry.Open()) manifest = System.Text.Json.Nodes.JsonNode.Parse(r)!.AsObject();
                    manifest["stages"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject
                    {
                        ["kind"] = "component", ["entry"] = "stages/999/", ["type"] = "System.IO.FileInfo, System.Runtime",
                    });
                    entry.Delete();
                    using var w = new StreamWriter(zip.CreateEntry("manifest.json").Open());
                    w.Write(manifest.ToJsonString());
                }
                break;
            default:
                var rng = new Random(damage[^1] - '0');
                for (int i = 0; i < 200; i++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 + rng.Next(255));
                File.WriteAllBytes(damaged, bytes);
                break;
        }
        var evaluate = CliResult.Run("evaluate", "--model", damaged, "--dataset", models.BinaryTest);
        evaluate.AssertOneLineError("damaged.mlnetllm");
        Assert.Equal(1, evaluate.ExitCode);
        var predict = CliResult.RunWithInput("{\"Text\":\"hi\"}\n", "predict", "--model", damaged);
        predict.AssertOneLineError("damaged.mlnetllm");
        Assert.Equal(1, predict.ExitCode);
    }

    [Fact]
    public void Evaluate_with_a_missing_model_is_reported()
    {
        CliResult.Run("evaluate", "--model", _tmp.File("none.mlnetllm"), "--dataset", models.BinaryTest).AssertOneLineError("none.mlnetllm", "does not exist");
    }

    [Fact]
    public void Predict_input_without_the_text_column_names_it()
    {
        var input = _tmp.Write("in.csv", "Id,Body\n1,hello\n");
        CliResult.Run("predict", "--model", models.BinaryModel, "--input", input).AssertOneLineError("'Text'", "in.csv");
    }

    [Fact]
    public void Predict_json_line_without_the_text_property_names_the_line()
    {
        CliResult.RunWithInput("{\"Text\":\"hi\"}\n{\"Body\":\"hello\"}\n", "predict", "--model", models.BinaryModel)
            .AssertOneLineError("line 2", "'Text'", "Body");
    }

    [Fact]
    public void Predict_plain_lines_for_a_two_column_model_are_refused()
    {
        CliResult.RunWithInput("a sentence\n", "predict", "--model", models.PairsModel).AssertOneLineError("2 text columns", "Sentence1");
    }

    [Fact]
    public void Serve_with_a_missing_model_is_reported()
    {
        CliResult.Run("serve", "--model", _tmp.File("gone.mlnetllm"), "--port", "0").AssertOneLineError("gone.mlnetllm", "does not exist");
    }

    [Fact]
    public void Serve_with_a_bad_port_is_reported()
    {
        CliResult.Run("serve", "--model", models.BinaryModel, "--port", "70000").AssertOneLineError("--port", "70000");
    }
}
