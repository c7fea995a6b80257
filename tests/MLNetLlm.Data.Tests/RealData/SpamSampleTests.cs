using Microsoft.ML;
using MLNetLlm.Data.Balancing;
using MLNetLlm.Data.Benchmarks;
using MLNetLlm.Data.Chunking;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.Data.Deduplication;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.RealData;

/// <summary>The steps on the shipped SpamAssassin sample (raw e-mails with headers, MIME, HTML).</summary>
public class SpamSampleTests
{
    static readonly TextNormalizerOptions Email = new() { StripEmailHeaders = true, MaskUrls = true, MaskEmails = true, MaskNumbers = true };

    [Fact]
    public void Email_normalization_drops_headers_decodes_bodies_and_is_idempotent()
    {
        var texts = RepoFiles.SpamTrain.Column("Text");
        Assert.Equal(400, texts.Length);
        int withHeaders = texts.Count(t => t.Contains("\nReceived: ", StringComparison.Ordinal));
        Assert.True(withHeaders > 300, $"the sample has raw headers ({withHeaders})");
        var clean = texts.Select(t => TextNormalizer.Normalize(t, Email)).ToArray();
        // header lines survive only where a body quotes a forwarded message
        Assert.True(clean.Count(c => c.Contains("received: from", StringComparison.Ordinal)) <= 8);
        Assert.DoesNotContain(clean, c => c.StartsWith("return-path", StringComparison.Ordinal) || c.StartsWith("received:", StringComparison.Ordinal));
        Assert.DoesNotContain(clean, c => c.Contains("<html", StringComparison.Ordinal) || c.Contains("&nbsp;", StringComparison.Ordinal));
        Assert.True(clean.Count(c => c.Contains("[url]", StringComparison.Ordinal)) > 100);
        Assert.True(clean.Sum(c => (long)c.Length) < texts.Sum(t => (long)t.Length) * 0.7, "headers are a large share of raw mails");
        Assert.All(clean, c => Assert.Equal(c, TextNormalizer.Normalize(c, Email)));
        Assert.True(clean.Count(c => c.Length == 0) <= 2, "almost every mail keeps a body");
    }

    [Fact]
    public void Dedup_of_the_sample_keeps_a_subset_and_reports_every_dropped_row()
    {
        var view = CleaningAblation.LabelledView(RepoFiles.SpamTrain.Column("Text"), RepoFiles.SpamTrain.Column("Label"));
        var result = new Deduplicator(new DeduplicationOptions { Normalization = new TextNormalizerOptions { StripEmailHeaders = true } }).Apply(view);
        Assert.Equal(400, result.Report.RowsIn);
        Assert.Equal(result.Data.RowCount, result.Report.RowsOut);
        Assert.Equal(400 - result.Data.RowCount, result.Report.TotalDropped);
        var raw = new HashSet<string>(RepoFiles.SpamTrain.Column("Text"));
        Assert.All(result.Data.GetTextColumn("Text"), t => Assert.Contains(t, raw));
        Assert.True(result.Report.TotalDropped > 0, "the SpamAssassin sample has repeated mailing-list and spam bodies");
    }

    [Trait("Speed", "Slow")]
    [Fact]
    public void Cleaning_pipeline_trains_on_train_only_and_scores_every_test_row()
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

    [Fact]
    public void Chunking_real_mails_with_the_bert_vocabulary_keeps_every_mail()
    {
        var texts = RepoFiles.SpamTrain.Column("Text").Take(40).Select(t => TextNormalizer.Normalize(t, Email)).ToArray();
        var view = CleaningAblation.LabelledView(texts, RepoFiles.SpamTrain.Column("Label").Take(40).ToArray());
        var result = new TextChunker(new ChunkingOptions { MaxTokens = 64, Overlap = 8, VocabularyPath = RepoFiles.BertVocabulary }).Apply(view);
        var ids = result.Data.GetColumn<int>("DocumentId");
        Assert.Equal(Enumerable.Range(0, 40), ids.Distinct());
        Assert.True(result.Data.RowCount > 60, $"long mails were split ({result.Data.RowCount} chunks)");
        var labels = result.Data.GetColumn<bool>("Label");
        var originalLabels = view.GetColumn<bool>("Label");
        for (int i = 0; i < ids.Length; i++) Assert.Equal(originalLabels[ids[i]], labels[i]);
    }
}
