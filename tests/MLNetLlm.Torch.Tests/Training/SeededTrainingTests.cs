using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Training;

/// <summary>
/// A seeded fine-tuning run draws its dropout masks from the model's own generator, so it gives the same weights
/// while other code in the process trains or uses libtorch's global generator at the same time (parallel AutoML trials).
/// </summary>
public sealed class SeededTrainingTests
{
    static (TextModel Model, TrainingRows Rows, TextClassificationTrainer.Options Options) Setup(int seed)
    {
        var o = TestData.Tiny(new TextClassificationTrainer.Options());
        o.NumberOfEpochs = 2;
        o.Seed = seed;
        var data = TestData.Sentiment(40);
        var rows = new TrainingRows(data.Select(r => r.Text).ToArray(), null, data.Select(r => r.Label ? 1f : 0f).ToArray());
        return (TextModel.Create(o, TextTask.Binary, ["false", "true"], () => rows.Texts), rows, o);
    }

    static Dictionary<string, float[]> Weights(TextModel tm) =>
        tm.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    static Dictionary<string, float[]> Train(int seed)
    {
        var (tm, rows, o) = Setup(seed);
        using var _ = tm;
        FineTuner.Train(tm, rows, null, o, $"seeded-{seed}");
        return Weights(tm);
    }

    static void AssertSameWeights(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, w) in expected) Assert.True(w.AsSpan().SequenceEqual(actual[name]), $"{name} differs");
    }

    [Fact]
    public async Task SeededRunGivesTheSameWeightsWhileOtherTrainingsAndGlobalSeedingRunConcurrently()
    {
        var reference3 = Train(3);
        var reference4 = Train(4);
        // Control: the seed matters (dropout and initialisation are random), so equality below is not vacuous.
        Assert.NotEqual(reference3["classifier.weight"], reference4["classifier.weight"]);

        using var done = new CancellationTokenSource();
        // Other code in the process reseeding and drawing from libtorch's global generator the whole time.
        var noise = Task.Run(() =>
        {
            var random = new Random(11);
            while (!done.IsCancellationRequested)
            {
                manual_seed(random.Next());
                using var t = rand(64);
            }
        });
        try
        {
            var runs = await Task.WhenAll(Task.Run(() => Train(3)), Task.Run(() => Train(4)));
            AssertSameWeights(reference3, runs[0]);
            AssertSameWeights(reference4, runs[1]);
        }
        finally
        {
            await done.CancelAsync();
            await noise;
        }
    }

    [Fact]
    public void CreatingAModelDoesNotDependOnTheGlobalGenerator()
    {
        manual_seed(1);
        var (a, _, _) = Setup(5);
        manual_seed(2);
        using var _1 = rand(1000); // move the global generator on
        var (b, _, _) = Setup(5);
        using (a)
        using (b)
            AssertSameWeights(Weights(a), Weights(b));
    }

    [Fact]
    public void DropoutDrawsReproducibleMasksFromTheModelsGenerator()
    {
        using var compute = new ComputeSettings();
        using var ones = torch.ones(20_000);
        using var _ = no_grad();

        compute.SeedDropout(42, CPU);
        var first = compute.Dropout(ones, 0.3, training: true).data<float>().ToArray();
        manual_seed(7); // the global generator plays no part
        compute.SeedDropout(42, CPU);
        var again = compute.Dropout(ones, 0.3, training: true).data<float>().ToArray();
        compute.SeedDropout(43, CPU);
        var other = compute.Dropout(ones, 0.3, training: true).data<float>().ToArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        // Inverted dropout: about 30% zeros, the rest scaled by 1/(1 − 0.3) so the expectation is unchanged.
        double zeros = first.Count(v => v == 0) / (double)first.Length;
        Assert.InRange(zeros, 0.28, 0.32);
        Assert.All(first.Where(v => v != 0), v => Assert.Equal(1 / 0.7f, v, 1e-5f));
        // Not training, or p = 0: the input unchanged.
        Assert.Same(ones, compute.Dropout(ones, 0.3, training: false));
        Assert.Same(ones, compute.Dropout(ones, 0.0, training: true));
    }
}
