using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Continual;

[Trait("Speed", "Slow")]
public sealed class ContinualTrainingTests : TempDirectoryTest
{
    static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    static TextClassificationTrainer.Options Options(ContinualLearningOptions c)
    {
        var o = TestData.Tiny(new TextClassificationTrainer.Options());
        o.NumberOfEpochs = 4;
        o.ContinualLearning = c;
        return o;
    }

    static TextClassificationTransformer First(MLContext ml) =>
        ml.Llm().TextClassification(Options(new ContinualLearningOptions { FisherSamples = 16, MemoryReference = "memory.db#spam" }))
            .Fit(TestData.Load(ml, TestData.Sentiment(48)));

    [Fact]
    public void TheModelFileKeepsTheFisherTheAnchorAndTheMemoryReference()
    {
        var ml = new MLContext(seed: 1);
        using var v1 = First(ml);
        Assert.True(v1.HasContinualState);
        var state = v1.Model.Continual!;
        Assert.Equal(1, state.Rounds);
        Assert.Equal(v1.Model.Model.named_parameters().Select(p => p.name).Order(), state.Fisher.Keys.Order());
        Assert.All(state.Fisher.Values, f => Assert.True(Values(f).All(x => x >= 0)));
        Assert.Contains(state.Fisher.Values, f => Values(f).Any(x => x > 0));
        foreach (var (name, p) in v1.Model.Model.named_parameters()) Assert.Equal(Values(p), Values(state.Anchor[name]));

        string path = PathOf("v1.mlnetllm");
        ml.Llm().Model.Save(v1, TestData.Load(ml, TestData.Sentiment(2)).Schema, path);
        var loaded = (TextClassificationTransformer)((TransformerChain<ITransformer>)new MLContext().Llm().Model.Load(path, out _)).Last();
        using var _l = loaded;
        var back = loaded.Model.Continual!;
        Assert.Equal("memory.db#spam", back.MemoryReference);
        Assert.Equal(1, back.Rounds);
        Assert.Equal(16, back.FisherRows);
        foreach (var name in state.Fisher.Keys)
        {
            Assert.Equal(Values(state.Fisher[name]), Values(back.Fisher[name]));
            Assert.Equal(Values(state.Anchor[name]), Values(back.Anchor[name]));
        }
    }

    [Fact]
    public void ASecondRoundSelectsReplaysAndAddsTheNewFisherToTheOld()
    {
        var ml = new MLContext(seed: 1);
        using var v1 = First(ml);
        var newRows = TestData.Sentiment(40, seed: 7);
        var newData = TestData.Load(ml, newRows);
        const double threshold = 0.9;
        // the rows v1 gets wrong or is unsure about, from its own ML.NET output columns
        var scored = v1.Transform(newData);
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var probability = scored.GetColumn<float>("Probability").ToArray();
        int expected = newRows.Where((r, i) => predicted[i] != r.Label || Math.Max(probability[i], 1 - probability[i]) < threshold).Count();

        var o = Options(new ContinualLearningOptions
        {
            PreviousModel = v1, EwcLambda = 10, SelectionThreshold = threshold, FisherSamples = 12,
            ReplayRows = TestData.Load(ml, TestData.Sentiment(48)), ReplaySize = 10, ReplayPolicy = ReplayPolicy.ClassBalanced,
        });
        using var v2 = ml.Llm().TextClassification(o).Fit(newData);
        var report = v2.ContinualReport!;
        Assert.Equal(40, report.NewRows);
        Assert.Equal(expected, report.SelectedRows);
        Assert.Equal(10, report.ReplayedRows);
        Assert.Equal(2, report.Round);

        // F₂ = F₁ + the Fisher of v2 on the new rows (same sample of rows)
        var rows = new TrainingRows(newRows.Select(r => r.Text).ToArray(), null, newRows.Select(r => r.Label ? 1f : 0f).ToArray());
        var fresh = ElasticWeightConsolidation.Fisher(v2.Model.Target, rows, 12, o.Seed);
        var f1 = v1.Model.Continual!.Fisher;
        foreach (var (name, f2) in v2.Model.Continual!.Fisher)
        {
            var sum = Values(f1[name]).Zip(Values(fresh[name]), (a, b) => (double)a + b).ToArray();
            AssertClose.All(sum, Values(f2).Select(x => (double)x).ToArray(), abs: 1e-8, rel: 1e-5);
        }
        foreach (var t in fresh.Values) t.Dispose();
        foreach (var (name, p) in v2.Model.Model.named_parameters()) Assert.Equal(Values(p), Values(v2.Model.Continual.Anchor[name]));
    }

    [Fact]
    public void EwcKeepsTheWeightsTheOldTaskNeedsCloserThanPlainContinuedTraining()
    {
        var ml = new MLContext(seed: 1);
        using var v1 = First(ml);
        // a conflicting second task: the same kind of sentences with the labels flipped
        var flipped = TestData.Load(ml, TestData.Sentiment(48, seed: 11).Select(r => new TextRow { Text = r.Text, Label = !r.Label }));
        double Drift(double lambda)
        {
            using var v2 = ml.Llm().TextClassification(Options(new ContinualLearningOptions { PreviousModel = v1, EwcLambda = lambda, FisherSamples = 4 })).Fit(flipped);
            var s1 = v1.Model.Continual!;
            double d = 0;
            foreach (var (name, p) in v2.Model.Model.named_parameters())
            {
                var f = Values(s1.Fisher[name]);
                var a = Values(s1.Anchor[name]);
                var t = Values(p);
                for (int i = 0; i < t.Length; i++) d += f[i] * ((double)t[i] - a[i]) * ((double)t[i] - a[i]);
            }
            return d;
        }
        double plain = Drift(0), ewc = Drift(1e4);
        Assert.True(ewc < 0.5 * plain, $"Fisher-weighted drift with EWC {ewc:G4}, without {plain:G4}");
    }

    [Fact]
    public void BadSettingsGetClearErrors()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Load(ml, TestData.Sentiment(8));
        var ex = Assert.Throws<ArgumentException>(() => ml.Llm().TextClassification(Options(new ContinualLearningOptions { SelectionThreshold = 0.9 })).Fit(data));
        Assert.Contains("PreviousModel", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Llm().TextClassification(Options(new ContinualLearningOptions { EwcLambda = -1 })).Fit(data));
        var lora = Options(new ContinualLearningOptions());
        lora.Mode = FineTuningMode.Lora;
        Assert.Throws<NotSupportedException>(() => ml.Llm().TextClassification(lora).Fit(data));
    }
}
