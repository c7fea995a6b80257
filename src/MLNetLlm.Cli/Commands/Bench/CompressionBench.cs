using System.CommandLine;
using MLNetLlm.Benchmarks.Torch.Compression;

namespace MLNetLlm.Cli.Commands.Bench;

/// <summary>
/// <c>mlnet-llm bench compression</c>: <see cref="CompressionBenchmark"/> — fine-tunes a teacher on SpamAssassin and
/// compares every compression step side by side (size, CPU latency at batch 1 and 32, accuracy/F1), plus a
/// BERT-base-shaped size/latency table.
/// </summary>
internal static class CompressionBench
{
    public static Command Create(CliContext context)
    {
        var d = new CompressionBenchmarkOptions();
        var train = new Option<string>("--train") { Description = $"Training CSV (default {d.TrainPath}).", DefaultValueFactory = _ => d.TrainPath };
        var test = new Option<string>("--test") { Description = $"Test CSV (default {d.TestPath}).", DefaultValueFactory = _ => d.TestPath };
        var maxTrain = new Option<int>("--max-train") { Description = "Use a seeded sample of N training rows (default all)." };
        var epochs = new Option<int>("--epochs") { Description = $"Teacher fine-tuning epochs (default {d.Epochs}).", DefaultValueFactory = _ => d.Epochs };
        var maxLength = new Option<int>("--max-length") { Description = $"Tokens per mail (default {d.MaxLength}).", DefaultValueFactory = _ => d.MaxLength };
        var layers = new Option<int>("--layers") { Description = $"From-scratch teacher layers (default {d.TeacherLayers}).", DefaultValueFactory = _ => d.TeacherLayers };
        var hidden = new Option<int>("--hidden") { Description = $"Teacher hidden width (default {d.TeacherHiddenSize}).", DefaultValueFactory = _ => d.TeacherHiddenSize };
        var heads = new Option<int>("--heads") { Description = $"Teacher attention heads (default {d.TeacherAttentionHeads}).", DefaultValueFactory = _ => d.TeacherAttentionHeads };
        var ffn = new Option<int>("--ffn") { Description = $"Teacher FFN width (default {d.TeacherIntermediateSize}).", DefaultValueFactory = _ => d.TeacherIntermediateSize };
        var pretrained = new Option<string?>("--pretrained") { Description = "Fine-tune this HF BERT checkpoint folder instead of a from-scratch teacher." };
        var threads = new Option<int>("--threads") { Description = $"Threads for training and timing (default {d.Threads}).", DefaultValueFactory = _ => d.Threads };
        var repeats = new Option<int?>("--repeats") { Description = $"Timed calls at batch 1 (default {d.Batch1Repeats}); batch 32 gets a fifth, at least 2." };
        var noBertBase = new Option<bool>("--no-bert-base") { Description = "Skip the BERT-base-shaped size/latency table." };
        var bertBaseOnly = new Option<bool>("--bert-base-only") { Description = "Only that table (no data, no training)." };
        var bertBaseRepeats = new Option<int[]>("--bert-base-repeats") { Description = $"Timed BERT-base calls at batch 1 and batch 32 (default {d.BertBaseBatch1Repeats} {d.BertBaseBatch32Repeats}).", AllowMultipleArgumentsPerToken = true };
        var variants = new Option<string[]>("--bert-base-variants") { Description = "Time only the BERT-base variants whose name contains one of these (e.g. int8; the TorchSharp row is 'fp32 TorchSharp'). Default all.", AllowMultipleArgumentsPerToken = true };
        var profile = new Option<string?>("--profile") { Description = "Write ONNX Runtime's per-node profile, optimized graphs and per-operator time tables of the BERT-base variants to this folder." };
        var output = new Option<string?>("--out") { Description = "Also write the markdown tables to this file." };
        var command = new Command("compression", "Size, CPU latency (batch 1/32) and accuracy/F1 of fp32, int8, pruned and distilled models, side by side.")
            { train, test, maxTrain, epochs, maxLength, layers, hidden, heads, ffn, pretrained, threads, repeats, noBertBase, bertBaseOnly, bertBaseRepeats, variants, profile, output };
        command.SetAction(p => context.Guard(() =>
        {
            var o = new CompressionBenchmarkOptions
            {
                TrainPath = p.GetValue(train)!, TestPath = p.GetValue(test)!, MaxTrainRows = p.GetValue(maxTrain), Epochs = p.GetValue(epochs),
                MaxLength = p.GetValue(maxLength), TeacherLayers = p.GetValue(layers), TeacherHiddenSize = p.GetValue(hidden),
                TeacherAttentionHeads = p.GetValue(heads), TeacherIntermediateSize = p.GetValue(ffn), PretrainedModelPath = p.GetValue(pretrained),
                Threads = p.GetValue(threads), BertBaseShape = !p.GetValue(noBertBase), ProfileDirectory = p.GetValue(profile), Log = context.Out,
            };
            if (p.GetValue(repeats) is { } r)
            {
                o.Batch1Repeats = r;
                o.Batch32Repeats = Math.Max(2, r / 5);
            }
            if (p.GetValue(bertBaseRepeats) is { Length: > 0 } bb)
            {
                if (bb.Length != 2) throw new CliException($"--bert-base-repeats takes two numbers (batch 1, batch 32), not {bb.Length}.");
                (o.BertBaseBatch1Repeats, o.BertBaseBatch32Repeats) = (bb[0], bb[1]);
            }
            if (p.GetValue(variants) is { Length: > 0 } names) o.BertBaseVariants = names;
            context.Out.WriteLine(TorchBench.Load());
            var result = p.GetValue(bertBaseOnly) ? CompressionBenchmark.RunBertBaseShape(o) : CompressionBenchmark.Run(o);
            string markdown = result.ToMarkdown();
            context.Out.WriteLine();
            context.Out.WriteLine(markdown);
            if (p.GetValue(output) is { } file) File.WriteAllText(file, markdown);
            return 0;
        }));
        return command;
    }
}
