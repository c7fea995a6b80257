using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.RowOperations;

public class TrainingOnlyEstimatorTests
{
    public sealed class Row
    {
        public string Text { get; set; } = "";
        public bool Label { get; set; }
    }

    /// <summary>Counts the rows each Fit saw, to prove what the wrapped estimator was trained on.</summary>
    sealed class RowCountingEstimator : IEstimator<ITransformer>
    {
        public List<long> Seen { get; } = [];
        public ITransformer Fit(IDataView input)
        {
            Seen.Add(InMemoryDataView.Materialize(input).RowCount);
            return new MLContext().Transforms.CopyColumns("Copy", "Text").Fit(input);
        }
        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => new MLContext().Transforms.CopyColumns("Copy", "Text").GetOutputSchema(inputSchema);
    }

    static readonly Row[] Train =
    [
        new() { Text = "free money now", Label = true }, new() { Text = "FREE money now", Label = true },
        new() { Text = "free money now!", Label = true }, new() { Text = "meeting at noon", Label = false },
        new() { Text = "lunch tomorrow?", Label = false }, new() { Text = "the report is attached", Label = false },
    ];

    [Fact]
    public void RowStepsChangeTrainingRowsOnlyAndPredictionsPassThrough()
    {
        var ml = new MLContext(seed: 1);
        var inner = new RowCountingEstimator();
        var estimator = ml.Llm().ApplyWhenTraining(inner, ml.Llm().Deduplicate(new() { Method = DeduplicationMethod.Exact }));
        IDataView train = ml.Data.LoadFromEnumerable(Train);
        var model = estimator.Fit(train);
        Assert.Equal([5L], inner.Seen);
        var report = Assert.Single(estimator.LastReports);
        Assert.Equal(6, report.RowsIn);
        Assert.Equal(5, report.RowsOut);
        Assert.Equal(1, report.Dropped["exact-duplicate"]);
        Assert.Same(report, Assert.Single(RowOperationRunner.ReportsOf(model)));

        var scored = InMemoryDataView.Materialize(model.Transform(train)); // evaluation: every row, no dedup
        Assert.Equal(6, scored.RowCount);
        Assert.Equal(Train.Select(r => r.Text), scored.GetTextColumn("Copy"));
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void WorksInsideAChainWithARealTrainerAndReportsAreFoundInTheChain()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 40).Select(i => new Row { Text = i % 2 == 0 ? $"win free money {i % 4}" : $"see you at the meeting {i % 6}", Label = i % 2 == 0 }).ToArray();
        IReadOnlyList<RowOperationReport>? logged = null;
        var wrapped = ml.Llm().ApplyWhenTraining(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 10),
            ml.Llm().Deduplicate());
        wrapped.ReportsProduced += r => logged = r;
        var pipeline = ml.Transforms.Text.FeaturizeText("Features", "Text").Append(wrapped);
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = pipeline.Fit(data);
        Assert.NotNull(logged);
        Assert.Equal(40, logged![0].RowsIn);
        Assert.Equal(5, logged[0].RowsOut); // 2 spam texts + 3 ham texts
        Assert.Equal(logged, RowOperationRunner.ReportsOf(model));
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(data));
        Assert.Equal(1.0, metrics.Accuracy);
        Assert.Equal(pipeline.GetOutputSchema(MLNetLlm.Mapping.SchemaShapes.FromSchema(data.Schema)).Select(c => c.Name).Order(),
            model.GetOutputSchema(data.Schema).Where(c => !c.IsHidden).Select(c => c.Name).Order());
    }

    [Fact]
    public void AMissingColumnFailsBeforeAnyDataIsRead()
    {
        var ml = new MLContext();
        var estimator = ml.Llm().ApplyWhenTraining(new RowCountingEstimator(), ml.Llm().Deduplicate(new() { TextColumn = "Body" }));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(ml.Data.LoadFromEnumerable(Train)));
        Assert.Contains("Deduplicate", ex.Message);
        Assert.Contains("'Body'", ex.Message);
    }

    [Fact]
    public void ReportsMustBalance()
    {
        Assert.Throws<InvalidOperationException>(() => new RowOperationReport("X", 10, 9));
        var ok = new RowOperationReport("X", 10, 12, new Dictionary<string, int> { ["a"] = 3 }, new Dictionary<string, int> { ["b"] = 5 });
        Assert.Equal(3, ok.TotalDropped);
        Assert.Equal(5, ok.TotalAdded);
    }
}
