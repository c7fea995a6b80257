using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Chinese.Segmentation;
using MLNetLlm.Data;

namespace MLNetLlm.Chinese.Tests.Segmentation;

public class WordSegmentationEstimatorTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    public sealed class Segmented
    {
        public string Words { get; set; } = "";
    }

    public sealed class Tokens
    {
        [VectorType] public string[] Words { get; set; } = [];
    }

    public sealed class Prediction
    {
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
        public string Words { get; set; } = "";
    }

    // Two topics (food vs. football) built from word lists, so that words, not characters, tell them apart.
    static Row[] Reviews()
    {
        string[] food = ["这家餐厅的菜很好吃", "牛肉面味道不错", "服务员态度热情", "火锅的汤底很香", "甜点太甜了", "饺子皮薄馅大", "价格实惠分量足", "米饭有点硬"];
        string[] sport = ["球队昨晚赢了比赛", "前锋打进两个进球", "守门员扑出点球", "教练换人很及时", "下半场体能不足", "联赛积分排名第一", "裁判判罚有争议", "球迷在看台上欢呼"];
        var rows = new List<Row>();
        for (int i = 0; i < food.Length; i++)
            for (int j = 0; j < food.Length; j++)
                if (i != j)
                {
                    rows.Add(new Row { Text = food[i] + "，" + food[j] + "。", Label = false });
                    rows.Add(new Row { Text = sport[i] + "，" + sport[j] + "！", Label = true });
                }
        return rows.ToArray();
    }

    [Fact]
    public void TransformWritesSpaceJoinedWordsAndKeepsTheInput()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Text = "我来到北京清华大学" }, new Row { Text = "" } });
        var model = ml.Llm().SegmentWords("Words", "Text").Fit(data);
        var rows = ml.Data.CreateEnumerable<Segmented>(model.Transform(data), reuseRowObject: false).ToArray();
        Assert.Equal("我 来到 北京 清华大学", rows[0].Words);
        Assert.Equal("", rows[1].Words);
        Assert.NotNull(model.Transform(data).Schema.GetColumnOrNull("Text"));
    }

    [Fact]
    public void TokenOutputIsAVariableLengthTextVector()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Text = "我来到北京清华大学" }, new Row { Text = "你好" } });
        var estimator = ml.Llm().SegmentWords("Words", "Text", new WordSegmentationOptions { Output = WordSegmentationOutput.Tokens });
        var shape = estimator.GetOutputSchema(Mapping.SchemaShapes.FromSchema(data.Schema));
        var column = Mapping.SchemaShapes.Find(shape, "Words")!.Value;
        Assert.Equal(SchemaShape.Column.VectorKind.VariableVector, column.Kind);
        var transformed = estimator.Fit(data).Transform(data);
        Assert.Equal(new VectorDataViewType(TextDataViewType.Instance), transformed.Schema["Words"].Type);
        var rows = ml.Data.CreateEnumerable<Tokens>(transformed, reuseRowObject: false).ToArray();
        Assert.Equal(["我", "来到", "北京", "清华大学"], rows[0].Words);
        Assert.Equal(["你好"], rows[1].Words);
    }

    [Fact]
    public void ANonTextColumnIsRefusedNamingIt()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { Text = "好" } });
        var ex = Assert.ThrowsAny<ArgumentException>(() => ml.Llm().SegmentWords("Words", "Label").Fit(data));
        Assert.Contains("'Label'", ex.Message);
        var missing = Assert.ThrowsAny<ArgumentException>(() => ml.Llm().SegmentWords("Words", "Body").Fit(data));
        Assert.Contains("'Body'", missing.Message);
    }

    [Fact]
    public void AChineseModelIsSavedReloadedAndServedWithTheSamePredictions()
    {
        var ml = new MLContext(seed: 7);
        var rows = Reviews();
        var data = ml.Data.LoadFromEnumerable(rows);
        string dict = Path.Combine(Path.GetTempPath(), $"userdict-model-{Guid.NewGuid():N}.txt");
        File.WriteAllText(dict, "汤底很香 5\n");
        string path = Path.Combine(Path.GetTempPath(), $"chinese-model-{Guid.NewGuid():N}.zip");
        try
        {
            var pipeline = ml.Llm().NormalizeText("Text")
                .Append(ml.Llm().SegmentWords("Words", "Text", new WordSegmentationOptions { UserDictionaryPath = dict }))
                .Append(ml.Transforms.Text.FeaturizeText("Features", new Microsoft.ML.Transforms.Text.TextFeaturizingEstimator.Options
                {
                    CharFeatureExtractor = null, WordFeatureExtractor = new Microsoft.ML.Transforms.Text.WordBagEstimator.Options { NgramLength = 1 },
                }, "Words"))
                .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 20));
            var model = pipeline.Fit(data);
            ml.Llm().Model.Save(model, data.Schema, path);
            using (var zip = ZipFile.OpenRead(path))
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("user-dictionary.txt", StringComparison.Ordinal));

            var loaded = ml.Llm().Model.Load(path, out var schema);
            Assert.Equal(data.Schema.Count, schema.Count);
            var before = ml.Model.CreatePredictionEngine<Row, Prediction>(model);
            var after = ml.Model.CreatePredictionEngine<Row, Prediction>(loaded);
            string[] unseen = ["火锅的汤底很香，服务员态度热情。", "前锋打进两个进球，球迷在看台上欢呼！", "甜点太甜了", "裁判判罚有争议"];
            bool[] expected = [false, true, false, true];
            for (int i = 0; i < unseen.Length; i++)
            {
                var a = before.Predict(new Row { Text = unseen[i] });
                var b = after.Predict(new Row { Text = unseen[i] });
                Assert.Equal(a.Probability, b.Probability, 6);
                Assert.Equal(a.Words, b.Words);
                Assert.Equal(expected[i], b.PredictedLabel);
            }
            Assert.Contains("汤底很香", after.Predict(new Row { Text = "火锅的汤底很香" }).Words.Split(' '));
        }
        finally
        {
            File.Delete(dict);
            File.Delete(path);
        }
    }

    [Fact]
    public async Task PredictionEnginesOnManyThreadsGiveTheSequentialResultsEvenWhileUserWordsAreAdded()
    {
        var ml = new MLContext(seed: 3);
        var rows = Reviews();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Llm().SegmentWords("Words", "Text").Fit(data);
        var engine = ml.Model.CreatePredictionEngine<Row, Segmented>(model);
        var expected = rows.Select(r => engine.Predict(r).Words).ToArray();

        var failures = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        // A writer adds user dictionaries (words that occur in none of the rows) while the readers segment.
        var writer = Task.Run(() =>
        {
            for (int k = 0; k < 30 && !stop.IsCancellationRequested; k++)
            {
                string file = Path.Combine(Path.GetTempPath(), $"userdict-concurrent-{Guid.NewGuid():N}.txt");
                File.WriteAllText(file, $"测试词甲{k}乙 3\n并发词{k}丙丁\n");
                try { JiebaWordSegmenter.Create(new WordSegmentationOptions { UserDictionaryPath = file }); }
                finally { File.Delete(file); }
            }
        });
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            var own = ml.Model.CreatePredictionEngine<Row, Segmented>(model); // one engine per thread, as ML.NET requires
            for (int round = 0; round < 3; round++)
                for (int i = (t * 13) % rows.Length, n = 0; n < rows.Length; n++, i = (i + 1) % rows.Length)
                {
                    string got = own.Predict(rows[i]).Words;
                    if (got != expected[i]) failures.Add($"row {i}: '{got}' != '{expected[i]}'");
                }
        });
        stop.Cancel();
        await writer;
        Assert.Empty(failures);
    }

    [Fact]
    public void OneTransformedViewReadByParallelCursorsMatchesTheSequentialRead()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Reviews());
        var view = ml.Llm().SegmentWords("Words", "Text").Fit(data).Transform(data);
        var sequential = view.GetColumn<ReadOnlyMemory<char>>("Words").Select(m => m.ToString()).ToArray();
        var results = new string[8][];
        Parallel.For(0, 8, t => results[t] = view.GetColumn<ReadOnlyMemory<char>>("Words").Select(m => m.ToString()).ToArray());
        Assert.All(results, r => Assert.Equal(sequential, r));
    }
}
