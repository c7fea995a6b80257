using System.CommandLine;
using MLNetLlm.Cli.Continual;
using MLNetLlm.Torch.Continual;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm update</c>: continual learning — a new version of a fine-tuned model from new rows (see <see cref="ModelUpdate"/>).</summary>
internal static class UpdateCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The output folder of train (--trainer bert, or a linear n-gram model) or of an earlier update.", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "The new rows: a CSV/TSV with the model's text and label columns.", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "The new version's folder (default: DIR-v2, DIR-v3, … next to DIR, the first free)." };
        var ewc = new Option<double>("--ewc") { Description = "EWC strength λ (default 0 = off): penalty λ/2·Σ F(θ−θ*)² with the previous model's Fisher (estimated from the memory when it has none)." };
        var replay = new Option<int>("--replay") { Description = "Remembered rows mixed into training (default 0 = none); linear models: rows drawn from the previous training data." };
        var policy = new Option<string>("--replay-policy") { Description = "How rows are remembered and drawn: reservoir (default) or balanced (class-balanced).", DefaultValueFactory = _ => "reservoir" };
        var nearest = new Option<int?>("--replay-nearest") { Description = "Replay only from the K nearest remembered rows (cosine) of each new row (default: from the whole memory)." };
        var select = new Option<double>("--select-threshold") { Description = "Train only on new rows the model gets wrong or predicts with probability below this (default 0 = all rows)." };
        var oldTest = new Option<string?>("--old-test") { Description = "Test data of the earlier task (default: the previous run's --test-dataset or --validation-dataset)." };
        var test = new Option<string?>("--test-dataset") { Description = "Test data of the new task (default: --split of --dataset held out, written to new-test.csv)." };
        var split = new Option<double>("--split") { Description = "Share of --dataset held out as the new test data (default 0.2).", DefaultValueFactory = _ => 0.2 };
        var memory = new Option<string?>("--memory") { Description = "The sample memory: a SQLite file or a PostgreSQL connection string (default: memory.db carried from version to version)." };
        var memorySize = new Option<int>("--memory-size") { Description = "Rows the memory keeps (default 2000).", DefaultValueFactory = _ => 2000 };
        var dedup = new Option<double>("--dedup") { Description = "New rows at least this cosine-similar to a remembered row are not stored again (default 0.98).", DefaultValueFactory = _ => 0.98 };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the new rows (default 3)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: the trainer's)." };
        var fisher = new Option<int>("--fisher-samples") { Description = "Rows the Fisher diagonal is estimated from (default 256).", DefaultValueFactory = _ => 256 };
        var device = new Option<string>("--device") { Description = "auto (default), cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var iterations = new Option<int?>("--iterations") { Description = "Linear models: L-BFGS iterations (default 100) or online passes (default 1) of the warm start." };
        var l1 = new Option<float>("--l1") { Description = "Linear models: L1 weight of the L-BFGS warm start (default 0; ML.NET's own default 1 is strong on small data)." };
        var l2 = new Option<float>("--l2") { Description = "Linear models: L2 weight of the L-BFGS warm start (default 0.01).", DefaultValueFactory = _ => 0.01f };
        var seed = new Option<int>("--seed") { Description = "Seed of the split, the sampling and the training (default 42).", DefaultValueFactory = _ => 42 };
        var command = new Command("update", "Continual learning: train a fine-tuned model further on new rows (EWC, replay, selection), or continue a linear model from its weights (warm start, replay), and write a new version beside it, with metrics on the old and the new test data.")
            { model, dataset, output, ewc, replay, policy, nearest, select, oldTest, test, split, memory, memorySize, dedup, epochs, learningRate, fisher, device, iterations, l1, l2, seed };
        command.SetAction(p => context.Guard(() => new ModelUpdate
        {
            ModelDir = p.GetValue(model)!, Dataset = p.GetValue(dataset)!, Output = p.GetValue(output), Ewc = p.GetValue(ewc), Replay = p.GetValue(replay),
            ReplayPolicy = ParsePolicy(p.GetValue(policy)!), ReplayNearest = p.GetValue(nearest),
            SelectThreshold = p.GetValue(select), OldTest = p.GetValue(oldTest), TestDataset = p.GetValue(test), Split = p.GetValue(split), Memory = p.GetValue(memory),
            MemorySize = p.GetValue(memorySize), Dedup = p.GetValue(dedup), Epochs = p.GetValue(epochs), LearningRate = p.GetValue(learningRate),
            FisherSamples = p.GetValue(fisher), Device = p.GetValue(device)!, Seed = p.GetValue(seed),
            Iterations = p.GetValue(iterations), L1 = p.GetValue(l1), L2 = p.GetValue(l2),
        }.Run(context.Out)));
        return command;
    }

    // validated here rather than by System.CommandLine, whose choice error spans several lines
    static ReplayPolicy ParsePolicy(string value) => value switch
    {
        "reservoir" => ReplayPolicy.Reservoir,
        "balanced" => ReplayPolicy.ClassBalanced,
        _ => throw new CliException($"--replay-policy: '{value}' is not one of reservoir, balanced."),
    };
}
