using System.Text.Json.Nodes;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;
using TorchAdamW = TorchSharp.Modules.AdamW;

namespace MLNetLlm.Torch.Tests.Training;

/// <summary>
/// The training loop (<see cref="FineTuner"/>) on a one-layer model small enough to train in well under a second, each
/// behaviour against a reference written in the test from the documented rules: the whole run against a loop built on
/// libtorch's own <c>torch.optim.AdamW</c> (parameter groups for the head's rate and for decay, HF's warm-up/decay as
/// <c>LambdaLR</c>, <c>clip_grad_norm_</c>, gradient accumulation averaging a step's batches, the last step of an epoch
/// taking the batches left) fed the batches the loop drew; the progress reports, step and epoch losses as means over
/// rows; validation as the eval-mode loss; early stopping by its rule and the best weights restored; shuffling and
/// dropout seeds per epoch and batch; checkpoints by their cadence, their files, and a resumed run equal to an
/// uninterrupted one, also when it was interrupted at the last step of an epoch.
/// </summary>
public sealed class FineTunerReferenceTests : TempDirectoryTest
{
    const int Words = 30;

    static BertTextTokenizer Tokenizer()
    {
        var vocab = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        for (int i = 0; i < Words; i++) vocab.Add($"w{i}");
        return BertTextTokenizer.Create(vocab);
    }

    /// <summary><paramref name="count"/> texts of 2–6 random words; binary targets follow whether w0–w14 outnumber the
    /// rest, regression targets are the share of those words.</summary>
    static TrainingRows Rows(int count, int seed, TextTask task, bool flip = false)
    {
        var random = new Random(seed);
        var texts = new string[count];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(2, 7)).Select(_ => random.Next(Words)).ToArray();
            texts[i] = string.Join(' ', words.Select(w => $"w{w}"));
            double low = words.Count(w => w < Words / 2) / (double)words.Length;
            targets[i] = task == TextTask.Regression ? (float)low : (low > 0.5) != flip ? 1f : 0f;
        }
        return new TrainingRows(texts, null, targets);
    }

    static BertConfig Config(TextTask task, double dropout) => new()
    {
        VocabSize = 5 + Words, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 64,
        MaxPositionEmbeddings = 16, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
        Labels = BertConfig.DefaultLabels(task == TextTask.Regression ? 1 : 2),
    };

    /// <summary>A seeded model; the key bias is frozen (softmax ignores it: its gradient is rounding noise that Adam would
    /// blow up to full-size steps, so no two implementations could agree on it).</summary>
    static BertForSequenceClassification Model(TextTask task, double dropout = 0, int seed = 3, bool freezeKeyBias = true)
    {
        manual_seed(seed);
        var model = new BertForSequenceClassification(Config(task, dropout));
        foreach (var (name, p) in model.named_parameters())
            if (freezeKeyBias && name.EndsWith("attention.self.key.bias", StringComparison.Ordinal)) p.requires_grad = false;
        return model;
    }

    static FineTuningTarget Target(BertForSequenceClassification model, TextTask task) => new(model, Tokenizer(), 16, CPU, task);

    static TextClassificationTrainer.Options Options(Action<TextClassificationTrainer.Options>? edit = null)
    {
        var o = new TextClassificationTrainer.Options
        {
            LearningRate = 5e-3, HeadLearningRate = 2e-2, WeightDecay = 0.1, WarmupFraction = 0.34, MaxGradNorm = 0.5,
            BatchSize = 3, GradientAccumulationSteps = 2, NumberOfEpochs = 2, Seed = 7, Device = "cpu", InferenceBatchSize = 3,
        };
        edit?.Invoke(o);
        return o;
    }

    /// <summary>The test's own task loss: cross-entropy over the logits, or MSE of the single output.</summary>
    static Tensor Loss(BertForSequenceClassification model, Tensor ids, Tensor mask, Tensor types, Tensor targets, TextTask task)
    {
        var logits = model.Forward(ids, mask, types);
        return task == TextTask.Regression ? nn.functional.mse_loss(logits.squeeze(-1), targets) : nn.functional.cross_entropy(logits, targets);
    }

    static Tensor Keep(Tensor t)
    {
        var copy = t.detach().clone();
        copy.DetachFromDisposeScope();
        return copy;
    }

    /// <summary>A batch the loop handed to the loss, kept after the loop disposed it.</summary>
    sealed record Seen(Tensor Ids, Tensor Mask, Tensor Types, Tensor Targets, int[] Indices, bool IsValidation, bool Training, double Loss);

    static FineTuningHooks Recording(List<Seen> seen, Action<TrainingStep>? step = null, Action<TrainingEpoch>? epoch = null, Action<BertForSequenceClassification>? probe = null) => new()
    {
        Loss = (m, b) =>
        {
            probe?.Invoke(m);
            var loss = FineTuner.TaskLoss(m, b);
            seen.Add(new Seen(Keep(b.InputIds), Keep(b.AttentionMask), Keep(b.TokenTypeIds), Keep(b.Targets), [.. b.Indices], b.IsValidation, m.training, loss.item<float>()));
            return loss;
        },
        StepCompleted = step,
        EpochCompleted = epoch,
    };

    static Dictionary<string, float[]> Weights(nn.Module model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu().data<float>().ToArray());

    static void AssertSameWeights(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual, double rel, string what)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            if (rel == 0) { Assert.True(e.SequenceEqual(actual[name]), $"{what}: {name} differs"); continue; }
            double scale = e.Max(v => Math.Abs(v));
            AssertClose.All(e, actual[name], abs: rel * scale, rel: rel, what: $"{what}: {name}");
        }
    }

    /// <summary>HF's linear warm-up/decay multiplier at 0-based step <paramref name="step"/>, written from its definition.</summary>
    static double Multiplier(long step, long warmup, long total) =>
        step < warmup ? (double)step / Math.Max(1, warmup) : Math.Max(0.0, (double)(total - step) / Math.Max(1, total - warmup));

    [Theory]
    [InlineData(false, 2, 0.5)]
    [InlineData(true, 3, 0.5)]
    [InlineData(false, 2, 1000.0)] // never clipped: the scale of each step's gradient shows (clipping would hide it)
    public void TheRunEqualsALoopOnLibtorchsAdamWWithTheHeadsRateAccumulationClippingAndWarmUp(bool regression, int accumulation, double maxGradNorm)
    {
        var task = regression ? TextTask.Regression : TextTask.Binary;
        var o = Options(o => { o.GradientAccumulationSteps = accumulation; o.MaxGradNorm = maxGradNorm; });
        var rows = Rows(13, 1, task);
        using var model = Model(task);
        var initial = Weights(model);
        var seen = new List<Seen>();
        var steps = new List<TrainingStep>();
        var epochs = new List<TrainingEpoch>();
        var reports = new List<TrainingProgress>();
        o.Progress = new SyncProgress<TrainingProgress>(reports.Add);
        model.eval(); // the loop puts it in training mode itself
        FineTuner.Train(Target(model, task), rows, null, o, "reference", Recording(seen, steps.Add, epochs.Add));
        Assert.False(model.training, "the loop leaves the model in eval mode");

        // 13 rows in batches of 3: 5 batches an epoch ([3, 3, 3, 3, 1]); accumulation 2: steps of 2, 2 and 1 batches;
        // accumulation 3: steps of 3 and 2 batches.
        const int batchesPerEpoch = 5, epochCount = 2;
        int stepsPerEpoch = (batchesPerEpoch + accumulation - 1) / accumulation, totalSteps = stepsPerEpoch * epochCount;
        long warmup = (long)Math.Round(totalSteps * o.WarmupFraction); // 2 of 6, 1 of 4
        Assert.All(seen, s => Assert.True(s.Training && !s.IsValidation, "training batches, in training mode"));
        Assert.Equal(batchesPerEpoch * epochCount, seen.Count);
        for (int e = 0; e < epochCount; e++)
        {
            var epochBatches = seen.Skip(e * batchesPerEpoch).Take(batchesPerEpoch).ToList();
            Assert.Equal([3, 3, 3, 3, 1], epochBatches.Select(s => s.Indices.Length));
            Assert.Equal(Enumerable.Range(0, 13), epochBatches.SelectMany(s => s.Indices).Order()); // every row once an epoch
            foreach (var s in epochBatches)
                Assert.Equal(s.Indices.Select(i => (double)rows.Targets[i]), s.Targets.to_type(ScalarType.Float64).data<double>().ToArray()); // targets follow the rows
        }
        Assert.NotEqual(seen.Take(batchesPerEpoch).SelectMany(s => s.Indices), seen.Skip(batchesPerEpoch).SelectMany(s => s.Indices));
        Assert.NotEqual(Enumerable.Range(0, 13), seen.Take(batchesPerEpoch).SelectMany(s => s.Indices)); // shuffled

        // The reference: the same initial weights, libtorch's AdamW over four groups (head or encoder × decay or not).
        using var reference = new BertForSequenceClassification(Config(task, 0));
        using (no_grad())
            foreach (var (name, p) in reference.named_parameters()) p.copy_(tensor(initial[name]).reshape(p.shape));
        foreach (var (name, p) in reference.named_parameters())
            if (name.EndsWith("attention.self.key.bias", StringComparison.Ordinal)) p.requires_grad = false;
        reference.train();
        var named = reference.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        static bool Decays(string name) => !(name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal));
        var groups = new List<TorchAdamW.ParamGroup>();
        foreach (bool head in new[] { false, true })
            foreach (bool decay in new[] { true, false })
                groups.Add(new TorchAdamW.ParamGroup(
                    named.Where(p => p.name.StartsWith("classifier.", StringComparison.Ordinal) == head && Decays(p.name) == decay).Select(p => p.parameter),
                    new TorchAdamW.Options { LearningRate = head ? o.HeadLearningRate!.Value : o.LearningRate!.Value, weight_decay = decay ? o.WeightDecay : 0.0 }));
        using var adamw = torch.optim.AdamW(groups, lr: o.LearningRate!.Value);
        var scheduler = torch.optim.lr_scheduler.LambdaLR(adamw, s => Multiplier(s, warmup, totalSteps));
        int clipped = 0, step = 0;
        var stepRows = new List<int>(); // rows of each optimizer step, in order
        for (int e = 0; e < epochCount; e++)
            for (int first = 0; first < batchesPerEpoch; first += o.GradientAccumulationSteps)
            {
                using var scope = NewDisposeScope();
                int size = Math.Min(o.GradientAccumulationSteps, batchesPerEpoch - first);
                double rowsOfStep = 0, lossOfStep = 0;
                for (int k = 0; k < size; k++)
                {
                    var b = seen[e * batchesPerEpoch + first + k];
                    (Loss(reference, b.Ids, b.Mask, b.Types, b.Targets, task) / size).backward();
                    rowsOfStep += b.Indices.Length;
                    lossOfStep += b.Loss * b.Indices.Length;
                }
                double norm = torch.nn.utils.clip_grad_norm_(named.Select(p => p.parameter), o.MaxGradNorm);
                if (norm > o.MaxGradNorm) clipped++;
                AssertClose.Equal(o.LearningRate.Value * Multiplier(step, warmup, totalSteps), steps[step].LearningRate, abs: 1e-15, rel: 1e-12, what: $"rate of step {step + 1}");
                AssertClose.Equal(lossOfStep / rowsOfStep, steps[step].Loss, rel: 1e-6, what: $"loss of step {step + 1}: the mean over its rows");
                stepRows.Add((int)rowsOfStep);
                adamw.step();
                scheduler.step();
                adamw.zero_grad();
                step++;
            }
        Assert.Equal(totalSteps, steps.Count);
        if (maxGradNorm < 1) Assert.InRange(clipped, 1, totalSteps);
        else Assert.Equal(0, clipped);
        AssertSameWeights(Weights(reference), Weights(model), 1e-5, $"{task} after {totalSteps} steps");
        var moved = initial.Max(kv => kv.Value.Zip(Weights(model)[kv.Key]).Max(p => Math.Abs(p.First - p.Second)));
        Assert.True(moved > 1e-2, $"the run must move the weights well beyond the tolerance (moved {moved})");

        // Epoch losses are means over the epoch's rows (summed in float32: 1e-6); progress reports number epochs from 1 and steps from 1.
        for (int e = 0; e < epochCount; e++)
        {
            var epochBatches = seen.Skip(e * batchesPerEpoch).Take(batchesPerEpoch).ToList();
            double mean = epochBatches.Sum(b => b.Loss * b.Indices.Length) / 13;
            AssertClose.Equal(mean, epochs[e].TrainingLoss, rel: 1e-6, what: $"training loss of epoch {e + 1}");
            var stepReports = reports.Where(r => !r.IsEpochEnd && r.Epoch == e + 1).ToList();
            Assert.Equal(stepsPerEpoch, stepReports.Count);
            AssertClose.Equal(mean, stepReports[^1].Loss, rel: 1e-6, what: "the last step's report: the epoch's mean so far");
            double firstStep = epochBatches.Take(accumulation).Sum(b => b.Loss * b.Indices.Length) / (3 * accumulation);
            AssertClose.Equal(firstStep, stepReports[0].Loss, rel: 1e-6, what: "the first step's report");
        }
        Assert.Equal(Enumerable.Range(1, epochCount).SelectMany(e => Enumerable.Repeat(e, stepsPerEpoch)), reports.Where(r => !r.IsEpochEnd).Select(r => r.Epoch));
        Assert.Equal([1, 2], reports.Where(r => r.IsEpochEnd).Select(r => r.Epoch));
        Assert.All(reports, r => Assert.Equal(epochCount, r.TotalEpochs));
        int rowsSoFar = 0, stepsSoFar = 0;
        foreach (var r in reports.Where(r => !r.IsEpochEnd))
        {
            stepsSoFar++;
            rowsSoFar += stepRows[stepsSoFar - 1];
            double secs = r.Elapsed.TotalSeconds;
            // rows per second of this process; the time left at the rate of the steps so far
            AssertClose.Equal(rowsSoFar / secs, r.SamplesPerSecond, rel: 0.05, what: $"rows per second at step {r.Step}");
            AssertClose.Equal(secs / stepsSoFar * (totalSteps - r.Step), r.EstimatedRemaining.TotalSeconds, abs: 1e-3, rel: 0.05, what: $"time left at step {r.Step}");
        }
        Assert.Equal(TimeSpan.Zero, reports[^1].EstimatedRemaining);
    }

    [Fact]
    public void ValidationIsTheEvalModeLossAndEarlyStoppingRestoresTheBestEpoch()
    {
        // Validation targets are the opposite of what training teaches: the validation loss rises after the first epochs.
        var train = Rows(24, 2, TextTask.Binary);
        var valid = Rows(7, 3, TextTask.Binary, flip: true);
        var o = Options(o => { o.NumberOfEpochs = 12; o.EarlyStoppingPatience = 2; o.LearningRate = 2e-2; o.GradientAccumulationSteps = 1; o.BatchSize = 8; });
        using var model = Model(TextTask.Binary, dropout: 0.3);
        var seen = new List<Seen>();
        var epochs = new List<TrainingEpoch>();
        var snapshots = new List<Dictionary<string, float[]>>();
        var tok = Tokenizer();
        var (validIds, validMask, validTypes) = tok.Encode(valid.Texts, null, 16).ToTensors(CPU);
        var validTargets = tensor(valid.Targets.Select(t => (long)t).ToArray());
        var expectedValidation = new List<double>();
        void AtEpochEnd(TrainingEpoch e)
        {
            Assert.True(e.Model.training, "the loop trains on after validation: training mode is back");
            epochs.Add(e);
            snapshots.Add(Weights(e.Model));
            // the validation loss by hand: the whole validation set in one batch, in eval mode, without gradients
            e.Model.eval();
            using (no_grad())
            using (var loss = Loss(e.Model, validIds, validMask, validTypes, validTargets, TextTask.Binary))
                expectedValidation.Add(loss.item<float>());
            e.Model.train();
        }
        model.eval();
        FineTuner.Train(Target(model, TextTask.Binary), train, valid, o, "early", Recording(seen, epoch: AtEpochEnd));

        for (int i = 0; i < epochs.Count; i++)
            AssertClose.Equal(expectedValidation[i], epochs[i].ValidationLoss!.Value, rel: 1e-5, what: $"validation loss of epoch {i + 1}");
        var validation = seen.Where(s => s.IsValidation).ToList();
        Assert.All(validation, s => Assert.False(s.Training, "validation runs in eval mode"));
        Assert.All(seen.Where(s => !s.IsValidation), s => Assert.True(s.Training, "training batches run in training mode"));
        Assert.Equal(epochs.Count * 3, validation.Count); // 7 rows in batches of the inference size 3: 3, 3, 1
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], validation.Take(3).SelectMany(s => s.Indices));

        // The rule: an epoch improves when its loss is below the best by more than 1e-7; patience 2 stops after two that do not.
        double best = double.PositiveInfinity;
        int bad = 0, bestEpoch = -1, expectedEpochs = o.NumberOfEpochs;
        for (int i = 0; i < epochs.Count; i++)
        {
            double v = epochs[i].ValidationLoss!.Value;
            if (v < best - 1e-7) { best = v; bad = 0; bestEpoch = i; }
            else if (++bad >= 2) { expectedEpochs = i + 1; break; }
        }
        Assert.Equal(expectedEpochs, epochs.Count);
        Assert.True(epochs.Count < o.NumberOfEpochs, "the validation loss must rise in this run");
        Assert.True(bestEpoch < epochs.Count - 1, "the best epoch is not the last");
        AssertSameWeights(snapshots[bestEpoch], Weights(model), 0, $"the best epoch's ({bestEpoch + 1}) weights restored");
        Assert.False(model.training);
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(0, 5)]
    public void AValidationLossThatDoesNotMoveCountsAsNotImproving(int patience, int expectedEpochs)
    {
        // 6 validation rows in batches of 3: the last batch ends exactly at the end of the rows.
        // At a rate of 1e-20 no float32 weight moves: every epoch's validation loss equals the first one's exactly.
        var o = Options(o => { o.NumberOfEpochs = 5; o.EarlyStoppingPatience = patience; o.LearningRate = 1e-20; o.HeadLearningRate = 1e-20; });
        using var model = Model(TextTask.Binary);
        var epochs = new List<TrainingEpoch>();
        FineTuner.Train(Target(model, TextTask.Binary), Rows(9, 4, TextTask.Binary), Rows(6, 5, TextTask.Binary), o, "flat", new FineTuningHooks { EpochCompleted = epochs.Add });
        Assert.Equal(expectedEpochs, epochs.Count);
        Assert.All(epochs, e => Assert.Equal(epochs[0].ValidationLoss, e.ValidationLoss));
        Assert.True(double.IsFinite(epochs[0].ValidationLoss!.Value) && epochs[0].ValidationLoss > 0);
    }

    [Fact]
    public void AnEmptyValidationSetMeansNoValidationAndNoTrainingDataIsRefused()
    {
        var o = Options(o => { o.NumberOfEpochs = 3; o.EarlyStoppingPatience = 1; });
        using var model = Model(TextTask.Binary);
        var epochs = new List<TrainingEpoch>();
        var none = new TrainingRows([], null, []);
        FineTuner.Train(Target(model, TextTask.Binary), Rows(6, 6, TextTask.Binary), none, o, "empty", new FineTuningHooks { EpochCompleted = epochs.Add });
        Assert.Equal(3, epochs.Count);
        Assert.All(epochs, e => Assert.Null(e.ValidationLoss));

        var ex = Assert.Throws<ArgumentException>(() => FineTuner.Train(Target(model, TextTask.Binary), none, null, o, "empty"));
        Assert.Equal("The training data has no rows.", ex.Message);
    }

    [Fact]
    public void AnAlreadyCancelledRunTakesNoStep()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var model = Model(TextTask.Binary);
        var before = Weights(model);
        var seen = new List<Seen>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            FineTuner.Train(Target(model, TextTask.Binary), Rows(6, 6, TextTask.Binary), null, Options(o => o.CancellationToken = cts.Token), "cancelled", Recording(seen)));
        Assert.Empty(seen);
        AssertSameWeights(before, Weights(model), 0, "no step");
    }

    [Fact]
    public void EachEpochShufflesAnewAndEachBatchSeedsItsOwnDropoutFromTheRunsSeed()
    {
        List<(string Mask, string Global, int[] Indices)> Run(int seed, bool sdpa, long globalSeed)
        {
            using var model = Model(TextTask.Binary, dropout: 0.2);
            model.Compute.UseSdpa = sdpa;
            var draws = new List<(string, string, int[])>();
            var seen = new List<Seen>();
            // the probe reads the model's dropout generator and libtorch's global one right after the loop seeded them
            void Probe(BertForSequenceClassification m)
            {
                using var mask = m.Compute.Dropout(ones(48), 0.5, training: true);
                using var global = rand(6);
                draws.Add((string.Join("", mask.data<float>().ToArray().Select(v => v > 0 ? '1' : '0')), string.Join(",", global.data<float>().ToArray()), []));
            }
            manual_seed(globalSeed);
            FineTuner.Train(Target(model, TextTask.Binary), Rows(11, 7, TextTask.Binary), null, Options(o => { o.Seed = seed; o.NumberOfEpochs = 3; }), "seeds", Recording(seen, probe: Probe));
            return draws.Zip(seen, (d, s) => (d.Item1, d.Item2, s.Indices)).ToList();
        }
        var a = Run(7, sdpa: true, globalSeed: 1);
        Assert.Equal(12, a.Count); // 4 batches × 3 epochs
        Assert.Equal(a.Count, a.Select(d => d.Mask).Distinct().Count()); // a seed per batch and epoch
        Assert.Equal(a.Count, a.Select(d => d.Global).Distinct().Count()); // fused attention's global generator too
        var again = Run(7, sdpa: true, globalSeed: 2); // another global seed before the run changes nothing
        Assert.Equal(a.Select(d => d.Mask), again.Select(d => d.Mask));
        Assert.Equal(a.Select(d => d.Global), again.Select(d => d.Global));
        Assert.Equal(a.SelectMany(d => d.Indices), again.SelectMany(d => d.Indices));
        var other = Run(8, sdpa: true, globalSeed: 1);
        Assert.Empty(a.Select(d => d.Mask).Intersect(other.Select(d => d.Mask)));
        Assert.NotEqual(a.SelectMany(d => d.Indices), other.SelectMany(d => d.Indices));
        var orders = a.Chunk(4).Select(epoch => string.Join(",", epoch.SelectMany(d => d.Indices))).ToList();
        Assert.Equal(3, orders.Distinct().Count());
    }

    static long? CheckpointStep(string dir)
    {
        string state = Path.Combine(dir, "checkpoint", "state.json");
        return File.Exists(state) ? JsonNode.Parse(File.ReadAllText(state))!["Step"]!.GetValue<long>() : null;
    }

    [Fact]
    public void CheckpointsFollowTheirCadenceSkipTheLastBatchOfAnEpochAndCloseEachEpoch()
    {
        string dir = PathOf("cadence");
        // 13 rows in batches of 3 without accumulation: 5 steps an epoch, a checkpoint every 2 steps and at each epoch's end.
        var o = Options(o => { o.GradientAccumulationSteps = 1; o.CheckpointDirectory = dir; o.CheckpointEverySteps = 2; });
        using var model = Model(TextTask.Binary);
        var onDisk = new List<long?>();
        var atEpochEnd = new List<long?>();
        FineTuner.Train(Target(model, TextTask.Binary), Rows(13, 8, TextTask.Binary), null, o, "cadence",
            new FineTuningHooks { StepCompleted = s => onDisk.Add(CheckpointStep(dir)), EpochCompleted = e => atEpochEnd.Add(CheckpointStep(dir)) });
        // what a step's callback finds (written before it): step 2's checkpoint from step 3 on; the epoch's end (step 5)
        // instead of one at step 10, the last batch of the second epoch
        Assert.Equal(new long?[] { null, null, 2, 2, 4, 5, 6, 6, 8, 8 }, onDisk);
        Assert.Equal(new long?[] { 4, 8 }, atEpochEnd);
        Assert.Equal(10, CheckpointStep(dir));
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "checkpoint", "state.json")))!;
        Assert.Equal(2, state["Epoch"]!.GetValue<int>());
        Assert.Equal(0, state["Batch"]!.GetValue<int>());
        Assert.Contains('\n', File.ReadAllText(Path.Combine(dir, "checkpoint", "state.json"))); // indented for a reader
        // trained from scratch (no pretrained path): the vocabulary goes with the checkpoint, line for line
        Assert.Equal(Tokenizer().Vocabulary, TrainingCheckpoint.ReadVocabulary(dir));
        Assert.False(Directory.Exists(Path.Combine(dir, "checkpoint.partial")));

        // fine-tuning a pretrained model: its vocabulary is the model's own, the checkpoint keeps none
        string pretrained = PathOf("pretrained");
        o.CheckpointDirectory = pretrained;
        o.PretrainedModelPath = PathOf("some-model"); // the loop only asks whether there is one
        FineTuner.Train(Target(model, TextTask.Binary), Rows(13, 8, TextTask.Binary), null, o, "cadence");
        Assert.Equal(10, CheckpointStep(pretrained));
        Assert.Null(TrainingCheckpoint.ReadVocabulary(pretrained));
    }

    [Theory]
    [InlineData(17)] // mid-epoch 4, after the best epoch: its weights come back from the checkpoint
    [InlineData(5)] // the last step of epoch 1: the resumed run starts at that epoch's end
    public void ARunInterruptedAtAnyStepResumesToTheUninterruptedRunsWeightsWithTheBestEpochKept(int cancelAtStep)
    {
        var train = Rows(13, 9, TextTask.Binary);
        var valid = Rows(5, 10, TextTask.Binary, flip: true);
        TextClassificationTrainer.Options Opts(string dir, CancellationToken token = default) => Options(o =>
        {
            o.GradientAccumulationSteps = 1; o.NumberOfEpochs = 4; o.LearningRate = 2e-2; o.CheckpointDirectory = dir;
            o.CheckpointEverySteps = 3; o.CancellationToken = token;
        });
        var straightEpochs = new List<TrainingEpoch>();
        using var straight = Model(TextTask.Binary, dropout: 0.1, freezeKeyBias: false);
        FineTuner.Train(Target(straight, TextTask.Binary), train, valid, Opts(PathOf("straight")), "resume", new FineTuningHooks { EpochCompleted = straightEpochs.Add });

        string dir = PathOf("interrupted");
        using var cts = new CancellationTokenSource();
        using (var first = Model(TextTask.Binary, dropout: 0.1, freezeKeyBias: false))
            Assert.ThrowsAny<OperationCanceledException>(() => FineTuner.Train(Target(first, TextTask.Binary), train, valid, Opts(dir, cts.Token), "resume",
                new FineTuningHooks { StepCompleted = s => { if (s.Step == cancelAtStep) cts.Cancel(); } }));
        Assert.Equal(cancelAtStep, CheckpointStep(dir));

        using var resumed = Model(TextTask.Binary, dropout: 0.1, seed: 99, freezeKeyBias: false); // other initial weights: the checkpoint's count
        var steps = new List<long>();
        var reports = new List<TrainingProgress>();
        var resumedEpochs = new List<TrainingEpoch>();
        var o = Opts(dir);
        o.Progress = new SyncProgress<TrainingProgress>(reports.Add);
        FineTuner.Train(Target(resumed, TextTask.Binary), train, valid, o, "resume",
            new FineTuningHooks { StepCompleted = s => steps.Add(s.Step), EpochCompleted = resumedEpochs.Add });
        Assert.Equal(cancelAtStep + 1, steps[0]);
        Assert.Equal(20, steps[^1]);
        AssertClose.All(straightEpochs.Skip(straightEpochs.Count - resumedEpochs.Count).Select(e => e.ValidationLoss!.Value), resumedEpochs.Select(e => e.ValidationLoss!.Value), rel: 1e-6, what: "validation losses after the resume");
        // the interrupted epoch's training loss counts its rows from before the interruption too (kept in the checkpoint)
        AssertClose.Equal(straightEpochs[^resumedEpochs.Count].TrainingLoss, resumedEpochs[0].TrainingLoss, rel: 1e-6, what: "training loss of the resumed epoch");
        Assert.All(reports, r => Assert.True(r.EstimatedRemaining >= TimeSpan.Zero));
        int bestEpoch = straightEpochs.Select((e, i) => (e.ValidationLoss!.Value, i)).Min().i;
        Assert.True(bestEpoch < 3, "the best epoch must come before the last for the test to see it restored");
        if (cancelAtStep > 5) Assert.True(bestEpoch < (cancelAtStep - 1) / 5, "the best epoch must end before the interruption");
        AssertSameWeights(Weights(straight), Weights(resumed), 1e-6, $"resumed after step {cancelAtStep}");
    }

    [Fact]
    public void CheckpointFilesAreReplacedWholeAndLoadingNamesWhatIsWrong()
    {
        string dir = PathOf("files");
        using var model = Model(TextTask.Binary);
        using var opt = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: 0.0, decays: AdamW.DecaysByDefault);
        Assert.Null(TrainingCheckpoint.ReadVocabulary(dir));
        var none = Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Load(dir, "f", model, opt, out _));
        Assert.Equal($"No checkpoint in '{dir}'.", none.Message);

        // a partial folder left by a run killed while writing is replaced, not merged
        string partial = Path.Combine(dir, "checkpoint.partial");
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, "stale.bin"), "left over");
        var state = new TrainingCheckpoint.State { Fingerprint = "f", Epoch = 1, Step = 3 };
        var vocabulary = new[] { "[PAD]", "", "w" }; // an empty token keeps its id
        TrainingCheckpoint.Save(dir, state, model, opt, null, vocabulary);
        Assert.False(Directory.Exists(partial));
        Assert.Equal(["optimizer.safetensors", "state.json", "vocab.txt", "weights.safetensors"],
            Directory.GetFiles(Path.Combine(dir, "checkpoint")).Select(Path.GetFileName).Order());
        Assert.Equal(vocabulary, TrainingCheckpoint.ReadVocabulary(dir));
        TrainingCheckpoint.Save(dir, state, model, opt, null, null); // fine-tuning a pretrained model: no vocabulary
        Assert.Null(TrainingCheckpoint.ReadVocabulary(dir));

        var loaded = TrainingCheckpoint.Load(dir, "f", model, opt, out var best);
        Assert.Equal((1, 3L), (loaded.Epoch, loaded.Step));
        Assert.Null(best);

        string checkpoint = Path.Combine(dir, "checkpoint");
        File.WriteAllText(Path.Combine(checkpoint, "state.json"), "null");
        var empty = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(dir, "f", model, opt, out _));
        Assert.Equal($"'{checkpoint}': state.json is empty.", empty.Message);

        TrainingCheckpoint.Save(dir, state, model, opt, null, null);
        using var other = new BertForSequenceClassification(Config(TextTask.Regression, 0));
        var mismatch = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Load(dir, "f", other, opt, out _));
        Assert.Equal($"'{checkpoint}': checkpoint weights do not match the model's trainable parameters.", mismatch.Message);
    }
}
