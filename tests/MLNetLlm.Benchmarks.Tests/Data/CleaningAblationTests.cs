using Microsoft.ML;
using MLNetLlm.Benchmarks.Data;
using MLNetLlm.Data;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.DataViews;

namespace MLNetLlm.Benchmarks.Tests.Data;

/// <summary>The cleaning ablation of `mlnet-llm bench data` on the shipped SpamAssassin sample.</summary>
public class CleaningAblationTests
{
    static readonly TextNormalizerOptions Email = new() { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };

    [Trait("Speed", "Slow")]
    [Fact]
    public void CleaningPipelineTrainsOnTrainOnlyAndScoresEveryTestRow()
    {
        var train = CleaningAblation.LabelledView(RepoFiles.SpamTrain.Column("Text"), RepoFiles.SpamTrain.Column("Label"));
        var test = CleaningAblation.LabelledView(RepoFiles.SpamTest.Column("Text"), RepoFiles.SpamTest.Column("Label"));
        var row = CleaningAblation.RunOne("sample", Email,
            [new Deduplicator(new DeduplicationOptions()), new LabelBalancer(new BalanceOptions())], train, test);
        Assert.True(row.Accuracy > 0.85, $"accuracy {row.Accuracy}");
        Assert.True(row.F1 > 0.7, $"F1 {row.F1}");
        Assert.Contains("Deduplicate: 400 in", row.Reports);
        Assert.Contains("Balance:", row.Reports);
        Assert.True(row.TrainRows > 400 - 115, "oversampling grew the smaller class");

        var ml = new MLContext(seed: 1);
        var model = ml.Llm().NormalizeText("Text", options: Email).Append(ml.Llm().ApplyWhenTraining(
            ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 10)),
            ml.Llm().Deduplicate(), ml.Llm().Balance())).Fit(train);
        Assert.Equal(150, InMemoryDataView.Materialize(model.Transform(test)).RowCount);
    }
}
