using System.CommandLine;
using MLNetLlm.Cli.Compression;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm compress</c>: quantize, prune or distill a BERT model written by <c>train --trainer bert</c>.</summary>
internal static class CompressCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file to compress (model.mlnetllm from train --trainer bert).", Required = true };
        var method = new Option<string>("--method") { Description = "quantize (int8, no training), prune (magnitude and/or heads/FFN, fine-tunes) or distill (smaller student, trains).", Required = true };
        var mode = new Option<string?>("--mode") { Description = "none, dynamic-int8 (default for quantize) or weight-only-int8 (quantize only); prune/distill default none, dynamic-int8 also quantizes the result." };
        var dataset = new Option<string?>("--dataset") { Description = "Labeled training data (CSV/TSV) for prune and distill; also the latency rows when there is no --test-dataset." };
        var test = new Option<string?>("--test-dataset", "--validation-dataset") { Description = "Labeled data to measure both models on (accuracy/F1, agreement, latency)." };
        var labelCol = new Option<string?>("--label-col") { Description = "The label column, if it differs from the one the model was trained on." };
        var textCol = new Option<string[]>("--text-col") { Description = "The data's text column(s), if named differently from the model's (repeat for a pair)." };
        var sparsity = new Option<double?>("--sparsity") { Description = "prune: fraction of encoder weights set to zero, 0–0.99 (default 0.5; 0 = structured only)." };
        var scope = new Option<string?>("--scope") { Description = "prune: rank weights over all layers (global, default) or per-layer." };
        var heads = new Option<double?>("--head-fraction") { Description = "prune: fraction of attention heads removed in every layer, 0–0.99 (default 0)." };
        var ffn = new Option<double?>("--ffn-fraction") { Description = "prune: fraction of FFN neurons removed in every layer, 0–0.99 (default 0)." };
        var studentLayers = new Option<int?>("--student-layers") { Description = "distill: student encoder layers (default half the teacher's)." };
        var studentHidden = new Option<int?>("--student-hidden") { Description = "distill: student hidden width (default the teacher's, then layers start from the teacher's)." };
        var temperature = new Option<double?>("--temperature") { Description = "distill: softening temperature, 1–20 (default 2)." };
        var alpha = new Option<double?>("--alpha") { Description = "distill: weight of the soft-target loss, 0–1; 1 − alpha weighs the labels (default 0.5)." };
        var hidden = new Option<double?>("--hidden-weight") { Description = "distill: weight of the hidden-state loss, 0–1 (default 0)." };
        var epochs = new Option<int?>("--epochs") { Description = "prune: recovery fine-tuning epochs (default 1; 0 = one shot); distill: student epochs (default 3)." };
        var learningRate = new Option<double?>("--learning-rate") { Description = "prune/distill: peak learning rate (default 5e-5 / 1e-4)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "prune/distill: rows per batch (default 16)." };
        var threads = new Option<int?>("--threads") { Description = "Inference (ONNX Runtime and TorchSharp) threads; default: the libraries' own (one per core)." };
        var device = new Option<string?>("--device") { Description = "prune/distill training device: auto (default), cpu or cuda[:N]." };
        var seed = new Option<int?>("--seed") { Description = "Seed of prune/distill (default 42)." };
        var repeats = new Option<int?>("--latency-repeats") { Description = "Timed calls per model at batch 1 for the latency rows (default 20; batch 32 gets a quarter, at least 5; 0 skips timing). The two models alternate; the table gives median and IQR." };
        var warmUp = new Option<int?>("--latency-warmup") { Description = "Untimed calls per model and batch size before the timed ones (default 3)." };
        var output = new Option<string?>("--output", "-o") { Description = "The output folder: model.mlnetllm, metrics.json, compression.md." };

        var command = new Command("compress", "Quantize, prune or distill a BERT model from train --trainer bert, and compare it with the original (size, latency, accuracy).")
        {
            model, method, mode, dataset, test, labelCol, textCol, sparsity, scope, heads, ffn, studentLayers, studentHidden, temperature, alpha, hidden,
            epochs, learningRate, batchSize, threads, device, seed, repeats, warmUp, output,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var settings = new CompressionSettings
            {
                Method = parse.GetValue(method)!,
                Mode = parse.GetValue(mode),
                Sparsity = parse.GetValue(sparsity),
                Scope = parse.GetValue(scope),
                HeadFraction = parse.GetValue(heads),
                FeedForwardFraction = parse.GetValue(ffn),
                StudentLayers = parse.GetValue(studentLayers),
                StudentHiddenSize = parse.GetValue(studentHidden),
                Temperature = parse.GetValue(temperature),
                Alpha = parse.GetValue(alpha),
                HiddenStateWeight = parse.GetValue(hidden),
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(learningRate),
                BatchSize = parse.GetValue(batchSize),
                Threads = parse.GetValue(threads) ?? 0,
                Device = parse.GetValue(device) ?? "auto",
                Seed = parse.GetValue(seed) ?? 42,
            };
            var texts = parse.GetValue(textCol);
            new CompressionRun
            {
                ModelPath = parse.GetValue(model)!,
                Settings = settings,
                Output = parse.GetValue(output),
                Dataset = parse.GetValue(dataset),
                TestDataset = parse.GetValue(test),
                LabelColumn = parse.GetValue(labelCol),
                TextColumns = texts is { Length: > 0 } ? texts : null,
                LatencyRepeats = parse.GetValue(repeats) ?? 20,
                LatencyWarmUp = parse.GetValue(warmUp) ?? 3,
            }.Execute(context.Out);
            return 0;
        }));
        return command;
    }
}
