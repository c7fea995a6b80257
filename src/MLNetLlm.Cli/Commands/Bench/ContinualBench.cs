using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.DataViews;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Benchmarks.Torch;
using MLNetLlm.Torch.Continual;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench continual</c>: forgetting, measured. Two tasks from SpamAssassin's source corpora (the
/// <c>Group</c> column): A = easy ham + spam-1, B = hard ham + spam-2. One model is trained on A (with its Fisher), then
/// continued on B four ways — plain, EWC, replay of A's rows, EWC + replay — and each is scored on A's and B's test rows,
/// side by side in one run, with the time and peak resident memory of each continuation.
/// </summary>
internal static class ContinualBench
{
    sealed record Task(string Name, string[] Texts, bool[] Labels);

    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var train = new Option<string>("--train") { Description = "SpamAssassin train CSV with Group, Label, Text (default data/spam/full/train.csv).", DefaultValueFactory = _ => "data/spam/full/train.csv" };
        var test = new Option<string>("--test") { Description = "SpamAssassin test CSV (default data/spam/full/test.csv).", DefaultValueFactory = _ => "data/spam/full/test.csv" };
        var rows = new Option<int>("--rows") { Description = "Training rows per task, half ham half spam where there are enough (default 300).", DefaultValueFactory = _ => 300 };
        var testRows = new Option<int>("--test-rows") { Description = "Test rows per task (default 300).", DefaultValueFactory = _ => 300 };
        var pretrained = new Option<string?>("--pretrained") { Description = "Encoder to fine-tune (catalogue name or HF folder); default a small BERT from scratch." };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per text (default 64).", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per task (default 3).", DefaultValueFactory = _ => 3 };
        var ewc = new Option<double>("--ewc") { Description = "EWC λ of the EWC variants (default 1000).", DefaultValueFactory = _ => 1000 };
        var replay = new Option<int>("--replay") { Description = "Rows of task A replayed by the replay variants (default 100).", DefaultValueFactory = _ => 100 };
        var fisher = new Option<int>("--fisher-samples") { Description = "Rows the Fisher diagonal is estimated from (default 100).", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default 1).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the row samples and the training (default 42).", DefaultValueFactory = _ => 42 };
        var command = new Command("continual", "Forgetting, measured: accuracy on task A after training on task B — plain vs EWC vs replay vs both (SpamAssassin by source corpus).")
            { train, test, rows, testRows, pretrained, maxLength, epochs, ewc, replay, fisher, threads, seed };
        command.SetAction(p => context.Guard(() =>
        {
            int t = p.GetValue(threads), n = p.GetValue(rows), nTest = p.GetValue(testRows), s = p.GetValue(seed);
            TorchSharp.torch.set_num_threads(t);
            var ml = new MLContext(seed: 1);
            var (trainTable, testTable) = (DelimitedFile.Read(p.GetValue(train)!), DelimitedFile.Read(p.GetValue(test)!));
            var normalizer = new TextNormalizerOptions { StripEmailHeaders = true };
            Task Pick(DelimitedTable table, string name, string hamPrefix, string spamGroup, int count, int salt)
            {
                var groups = table.Column("Group");
                var labels = table.Column("Label");
                var texts = table.Column("Text");
                var random = new Random(s * 31 + salt);
                int[] Sample(Func<int, bool> keep, int k)
                {
                    var idx = Enumerable.Range(0, table.Rows.Count).Where(keep).ToArray();
                    random.Shuffle(idx);
                    return idx.Take(k).ToArray();
                }
                var spam = Sample(i => groups[i] == spamGroup, count / 2);
                var ham = Sample(i => groups[i].StartsWith(hamPrefix, StringComparison.Ordinal), count - spam.Length);
                if (spam.Length == 0 || ham.Length == 0) throw new CliException($"'{table.Source}': no rows of group {spamGroup} or {hamPrefix}* in column Group.");
                var all = spam.Concat(ham).ToArray();
                random.Shuffle(all);
                var view = InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, all.Select(i => texts[i].AsMemory()).ToArray()));
                var clean = ml.Llm().NormalizeText("Text", options: normalizer).Fit(view).Transform(view).GetColumn<ReadOnlyMemory<char>>("Text").Select(m => m.ToString()).ToArray();
                return new Task(name, clean, all.Select(i => labels[i] == "spam").ToArray());
            }
            IDataView View(Task task) => InMemoryDataView.FromColumns(
                ("Text", TextDataViewType.Instance, task.Texts.Select(x => x.AsMemory()).ToArray()), ("Label", BooleanDataViewType.Instance, task.Labels));
            var aTrain = Pick(trainTable, "A", "easy-ham", "spam-1", n, 1);
            var bTrain = Pick(trainTable, "B", "hard-ham", "spam-2", n, 2);
            var aTest = Pick(testTable, "A", "easy-ham", "spam-1", nTest, 3);
            var bTest = Pick(testTable, "B", "hard-ham", "spam-2", nTest, 4);
            string? encoder = p.GetValue(pretrained) is { } pre ? MLNetLlm.Torch.Pretrained.PretrainedModels.Resolve(pre) : null;
            output.WriteLine($"Continual learning, SpamAssassin: task A = easy-ham-* + spam-1, task B = hard-ham-1 + spam-2; train {aTrain.Texts.Length} + {bTrain.Texts.Length} rows, " +
                $"test {aTest.Texts.Length} + {bTest.Texts.Length} rows (A {aTrain.Labels.Count(x => x)} spam, B {bTrain.Labels.Count(x => x)} spam); " +
                $"{(encoder is null ? "BERT from scratch (2L/128H)" : "fine-tuning " + p.GetValue(pretrained))}, max length {p.GetValue(maxLength)}, {p.GetValue(epochs)} epochs/task, {t} thread(s); {TorchBench.Load()}");

            TextClassificationTrainer.Options Options(ContinualLearningOptions c) => new()
            {
                PretrainedModelPath = encoder, MaxLength = p.GetValue(maxLength), NumberOfEpochs = p.GetValue(epochs), BatchSize = 16, Device = "cpu", Seed = s,
                ContinualLearning = c,
            };
            double Accuracy(ITransformer model, Task task) =>
                ml.BinaryClassification.EvaluateNonCalibrated(model.Transform(View(task))).Accuracy;

            var sw = Stopwatch.StartNew();
            using var baseModel = ml.Llm().TextClassification(Options(new ContinualLearningOptions { FisherSamples = p.GetValue(fisher) })).Fit(View(aTrain));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after A: accuracy on A {Accuracy(baseModel, aTest):F4}, on B {Accuracy(baseModel, bTest):F4} ({sw.Elapsed.TotalSeconds:F0} s, Fisher {baseModel.ContinualReport!.FisherSeconds:F1} s)"));

            var table = new List<string> { "| after B | accuracy A | accuracy B | forgetting on A | time s | × plain | peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|" };
            double plainSeconds = 0, before = Accuracy(baseModel, aTest);
            foreach (var (name, lambda, replayRows) in new[] { ("plain", 0.0, 0), ("EWC λ=" + p.GetValue(ewc).ToString(CultureInfo.InvariantCulture), p.GetValue(ewc), 0),
                ("replay " + p.GetValue(replay), 0.0, p.GetValue(replay)), ("EWC + replay", p.GetValue(ewc), p.GetValue(replay)) })
            {
                GC.Collect();
                ProcessMemory.ResetPeak();
                sw.Restart();
                using var model = ml.Llm().TextClassification(Options(new ContinualLearningOptions
                {
                    PreviousModel = baseModel, EwcLambda = lambda, ReplayRows = replayRows > 0 ? View(aTrain) : null, ReplaySize = replayRows,
                    FisherSamples = p.GetValue(fisher),
                })).Fit(View(bTrain));
                double secs = sw.Elapsed.TotalSeconds, peak = ProcessMemory.PeakMegabytes();
                if (plainSeconds == 0) plainSeconds = secs;
                double a = Accuracy(model, aTest), b = Accuracy(model, bTest);
                table.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {a:F4} | {b:F4} | {before - a:+0.0000;-0.0000} | {secs:F0} | {secs / plainSeconds:F2}× | {peak:F0} |"));
                output.WriteLine(table[^1]);
            }
            output.WriteLine(string.Join('\n', table));
            output.WriteLine($"  (time includes the new Fisher estimate of {p.GetValue(fisher)} rows; after the runs: {TorchBench.Load()})");
            return 0;
        }));
        return command;
    }
}
