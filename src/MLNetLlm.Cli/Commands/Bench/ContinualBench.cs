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
/// <c>mlnet-llm bench continual</c>: forgetting, measured. Two tasks in sequence, from real data:
/// <c>--pair spam</c> — SpamAssassin by source corpus (the <c>Group</c> column): A = easy ham + spam-1, B = hard ham +
/// spam-2 (the same binary task on another domain); <c>--pair fortunes</c> — class-incremental Debian fortunes: A = the
/// fortune files of <c>--group-a</c>, B = those of <c>--group-b</c>, one classifier over all of them. One model is
/// trained on A (with its Fisher), then continued on B — plain, EWC (each λ of <c>--ewc</c>), replay of A's rows, EWC +
/// replay — and each is scored on A's and B's test rows, side by side in one run, with the time and peak resident memory
/// of each continuation.
/// </summary>
internal static class ContinualBench
{
    sealed record Task(string Name, string[] Texts, string[] Labels);

    public static Command Create(CliContext context)
    {
        var output = context.Out;
        var pair = new Option<string>("--pair") { Description = "Task pair: spam (SpamAssassin easy → hard, same labels) or fortunes (class-incremental fortune files) (default spam).", DefaultValueFactory = _ => "spam" };
        var train = new Option<string?>("--train") { Description = "Train CSV (default data/spam/full/train.csv with Group, Label, Text; data/fortunes/train.csv with Label, Text)." };
        var test = new Option<string?>("--test") { Description = "Test CSV (default data/spam/full/test.csv or data/fortunes/test.csv)." };
        var groupA = new Option<string>("--group-a") { Description = "fortunes: task A's labels, comma-separated (default computers,definitions).", DefaultValueFactory = _ => "computers,definitions" };
        var groupB = new Option<string>("--group-b") { Description = "fortunes: task B's labels, comma-separated (default politics,zippy).", DefaultValueFactory = _ => "politics,zippy" };
        var rows = new Option<int>("--rows") { Description = "Training rows per task: spam half ham half spam where there are enough, fortunes even over the task's labels (default 300).", DefaultValueFactory = _ => 300 };
        var testRows = new Option<int>("--test-rows") { Description = "Test rows per task (default 300).", DefaultValueFactory = _ => 300 };
        var pretrained = new Option<string?>("--pretrained") { Description = "Encoder to fine-tune (catalogue name or HF folder); default a small BERT from scratch." };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens per text (default 64).", DefaultValueFactory = _ => 64 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per task (default 3).", DefaultValueFactory = _ => 3 };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate of both tasks (default: the trainer's, 5e-5 for a pretrained encoder, 1e-3 from scratch)." };
        var ewc = new Option<double[]>("--ewc") { Description = "EWC λ of the EWC variants; several values sweep λ, each with and without replay (default 1000).", DefaultValueFactory = _ => [1000], AllowMultipleArgumentsPerToken = true };
        var replay = new Option<int>("--replay") { Description = "Rows of task A replayed by the replay variants (default 100).", DefaultValueFactory = _ => 100 };
        var fisher = new Option<int>("--fisher-samples") { Description = "Rows the Fisher diagonal is estimated from (default 100).", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default 1).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the row samples and the training (default 42).", DefaultValueFactory = _ => 42 };
        var command = new Command("continual", "Forgetting, measured: accuracy on task A after training on task B — plain vs EWC vs replay vs both (SpamAssassin by source corpus, or class-incremental fortunes).")
            { pair, train, test, groupA, groupB, rows, testRows, pretrained, maxLength, epochs, learningRate, ewc, replay, fisher, threads, seed };
        command.SetAction(p => context.Guard(() =>
        {
            int t = p.GetValue(threads), n = p.GetValue(rows), nTest = p.GetValue(testRows), s = p.GetValue(seed);
            if (n <= 0) throw new CliException("--rows must be a positive number.");
            if (nTest <= 0) throw new CliException("--test-rows must be a positive number.");
            if (p.GetValue(learningRate) is { } lr0 && !(lr0 > 0 && double.IsFinite(lr0))) throw new CliException("--learning-rate must be a number > 0.");
            var lambdas = p.GetValue(ewc) ?? [];
            if (lambdas.Length == 0 || lambdas.Any(l => !(l > 0))) throw new CliException("--ewc needs one or more numbers > 0.");
            string pairName = p.GetValue(pair)!;
            if (pairName is not ("spam" or "fortunes")) throw new CliException($"--pair must be spam or fortunes (got '{pairName}').");
            bool spamPair = pairName == "spam";
            string folder = spamPair ? "data/spam/full" : "data/fortunes";
            TorchSharp.torch.set_num_threads(t);
            var ml = new MLContext(seed: 1);
            var (trainTable, testTable) = (DelimitedFile.Read(p.GetValue(train) ?? $"{folder}/train.csv"), DelimitedFile.Read(p.GetValue(test) ?? $"{folder}/test.csv"));

            Task PickSpam(DelimitedTable table, string name, string hamPrefix, string spamGroup, int count, int salt)
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
                var clean = ml.Llm().NormalizeText("Text", options: new TextNormalizerOptions { StripEmailHeaders = true }).Fit(view).Transform(view)
                    .GetColumn<ReadOnlyMemory<char>>("Text").Select(m => m.ToString()).ToArray();
                return new Task(name, clean, all.Select(i => labels[i]).ToArray());
            }

            Task aTrain, bTrain, aTest, bTest;
            Func<Task, IDataView> view;
            Func<IDataView, double> accuracy;
            string described;
            if (spamPair)
            {
                (aTrain, bTrain) = (PickSpam(trainTable, "A", "easy-ham", "spam-1", n, 1), PickSpam(trainTable, "B", "hard-ham", "spam-2", n, 2));
                (aTest, bTest) = (PickSpam(testTable, "A", "easy-ham", "spam-1", nTest, 3), PickSpam(testTable, "B", "hard-ham", "spam-2", nTest, 4));
                view = task => InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, task.Texts.Select(x => x.AsMemory()).ToArray()),
                    ("Label", BooleanDataViewType.Instance, task.Labels.Select(l => l == "spam").ToArray()));
                accuracy = scored => ml.BinaryClassification.EvaluateNonCalibrated(scored).Accuracy;
                described = $"SpamAssassin: task A = easy-ham-* + spam-1, task B = hard-ham-1 + spam-2; train {aTrain.Texts.Length} + {bTrain.Texts.Length} rows, " +
                    $"test {aTest.Texts.Length} + {bTest.Texts.Length} rows (A {aTrain.Labels.Count(x => x == "spam")} spam, B {bTrain.Labels.Count(x => x == "spam")} spam)";
            }
            else
            {
                ClassIncrementalSplit split;
                try { split = ClassIncrementalSplit.Create(p.GetValue(groupA)!.Split(','), p.GetValue(groupB)!.Split(','), "--group-a", "--group-b"); }
                catch (ArgumentException ex) { throw new CliException(ex.Message); }
                Task Pick(DelimitedTable table, bool b, int count, int salt)
                {
                    var (texts, labels) = split.Pick(table, b, count, s * 31 + salt);
                    return new Task(b ? "B" : "A", texts, labels);
                }
                (aTrain, bTrain, aTest, bTest) = (Pick(trainTable, false, n, 1), Pick(trainTable, true, n, 2), Pick(testTable, false, nTest, 3), Pick(testTable, true, nTest, 4));
                // one key for every label of both tasks, A's first: the classifier's head covers all of them from the start
                var keys = ml.Transforms.Conversion.MapValueToKey("Label", keyData: InMemoryDataView.FromColumns(
                    ("Label", TextDataViewType.Instance, split.Labels.Select(l => l.AsMemory()).ToArray()))).Fit(InMemoryDataView.FromColumns(
                    ("Label", TextDataViewType.Instance, split.Labels.Select(l => l.AsMemory()).ToArray())));
                view = task => keys.Transform(InMemoryDataView.FromColumns(("Text", TextDataViewType.Instance, task.Texts.Select(x => x.AsMemory()).ToArray()),
                    ("Label", TextDataViewType.Instance, task.Labels.Select(l => l.AsMemory()).ToArray())));
                accuracy = scored => ml.MulticlassClassification.Evaluate(scored).MicroAccuracy;
                described = $"fortunes, class-incremental: task A = {string.Join(", ", split.GroupA)}, task B = {string.Join(", ", split.GroupB)} (one {split.Labels.Count}-class head); " +
                    $"train {aTrain.Texts.Length} + {bTrain.Texts.Length} rows, test {aTest.Texts.Length} + {bTest.Texts.Length} rows";
            }
            string? encoder = p.GetValue(pretrained) is { } pre ? MLNetLlm.Torch.Pretrained.PretrainedModels.Resolve(pre) : null;
            output.WriteLine($"Continual learning, {described}; " +
                $"{(encoder is null ? "BERT from scratch (2L/128H)" : "fine-tuning " + p.GetValue(pretrained))}, max length {p.GetValue(maxLength)}, {p.GetValue(epochs)} epochs/task, learning rate {(p.GetValue(learningRate) is { } lrShown ? lrShown.ToString(CultureInfo.InvariantCulture) : "default")}, {t} thread(s); {TorchBench.Load()}");

            TextClassificationTrainer.Options Options(ContinualLearningOptions c) => new()
            {
                PretrainedModelPath = encoder, MaxLength = p.GetValue(maxLength), NumberOfEpochs = p.GetValue(epochs), LearningRate = p.GetValue(learningRate), BatchSize = 16, Device = "cpu", Seed = s,
                ContinualLearning = c,
            };
            double Accuracy(ITransformer model, Task task) => accuracy(model.Transform(view(task)));

            var sw = Stopwatch.StartNew();
            using var baseModel = ml.Llm().TextClassification(Options(new ContinualLearningOptions { FisherSamples = p.GetValue(fisher) })).Fit(view(aTrain));
            double before = Accuracy(baseModel, aTest);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after A: accuracy on A {before:F4}, on B {Accuracy(baseModel, bTest):F4} ({sw.Elapsed.TotalSeconds:F0} s, Fisher {baseModel.ContinualReport!.FisherSeconds:F1} s)"));

            var variants = new List<(string Name, double Lambda, int Replay)> { ("plain", 0, 0) };
            variants.AddRange(lambdas.Select(l => (string.Create(CultureInfo.InvariantCulture, $"EWC λ={l}"), l, 0)));
            variants.Add(($"replay {p.GetValue(replay)}", 0, p.GetValue(replay)));
            variants.AddRange(lambdas.Select(l => (string.Create(CultureInfo.InvariantCulture, $"EWC λ={l} + replay"), l, p.GetValue(replay))));
            var table = new List<string> { "| after B | accuracy A | accuracy B | forgetting on A | time s | × plain | peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|" };
            double plainSeconds = 0;
            foreach (var (name, lambda, replayRows) in variants)
            {
                GC.Collect();
                ProcessMemory.ResetPeak();
                sw.Restart();
                using var model = ml.Llm().TextClassification(Options(new ContinualLearningOptions
                {
                    PreviousModel = baseModel, EwcLambda = lambda, ReplayRows = replayRows > 0 ? view(aTrain) : null, ReplaySize = replayRows,
                    FisherSamples = p.GetValue(fisher),
                })).Fit(view(bTrain));
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
