using System.CommandLine;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;
using MLNetLlm.Torch;
using MLNetLlm.Torch.Embeddings;

namespace MLNetLlm.Cli.Commands;

/// <summary>
/// <c>mlnet-llm embed</c>: sentence embeddings of a file's text column with a pretrained encoder, written as JSON lines
/// <c>{"embedding":[…]}</c>, one per input row, in input order.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m")
        {
            Description = $"The encoder: a catalogue name or a HF BERT checkpoint folder (config.json, model.safetensors, vocab.txt). Default {SentenceEmbeddingEstimator.Defaults.PretrainedModel}.",
            DefaultValueFactory = _ => SentenceEmbeddingEstimator.Defaults.PretrainedModel,
        };
        var input = new Option<string>("--input", "-i") { Description = "The texts: CSV/TSV with a header, .jsonl (one object per line) or .txt (one text per line); '-' reads standard input.", Required = true };
        var textCol = new Option<string>("--text-col") { Description = "The column (or JSON property) to embed. Default Text.", DefaultValueFactory = _ => "Text" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the JSON lines to this file (replaced only once complete) instead of standard output." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per text, longer texts truncated (default 256, capped by the encoder)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass (default 32).", DefaultValueFactory = _ => SentenceEmbeddingEstimator.Defaults.BatchSize };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Keep the raw mean-pooled vectors (default: unit length)." };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: libtorch's choice)." };
        var device = new Option<string>("--device") { Description = "auto (CUDA when available, default), cpu or cuda[:N].", DefaultValueFactory = _ => "auto" };
        var command = new Command("embed", "Sentence embeddings of a text column as JSON lines {\"embedding\":[…]}, in input order.")
            { model, input, textCol, output, maxLength, batchSize, noNormalize, threads, device };
        command.SetAction(parse => context.Guard(() =>
        {
            string name = parse.GetValue(model)!, column = parse.GetValue(textCol)!, inPath = parse.GetValue(input)!;
            int batch = parse.GetValue(batchSize);
            if (batch < 1) throw new CliException($"--batch-size must be at least 1, not {batch}.");
            if (parse.GetValue(maxLength) is < 3 and var m) throw new CliException($"--max-length must be at least 3, not {m}.");
            if (parse.GetValue(threads) is < 1 and var t) throw new CliException($"--threads must be at least 1, not {t}.");
            if (string.IsNullOrWhiteSpace(column)) throw new CliException("--text-col must name a column.");
            if (!MLNetLlm.Torch.Devices.TorchDevice.Choices.Contains(parse.GetValue(device)!.Split(':')[0]))
                throw new CliException($"--device must be one of {string.Join(", ", MLNetLlm.Torch.Devices.TorchDevice.Choices)} (or cuda:N), not '{parse.GetValue(device)}'.");

            // Read everything first: a bad row fails before any output is written.
            var rows = inPath == "-" ? PredictionInput.FromLines(context.In, "standard input", [column], null) : PredictionInput.FromFile(inPath, [column], null);
            var texts = rows.Texts.Select(r => r[0]).ToArray();
            // A catalogue model is converted once into the model cache, with a progress line (on standard error when
            // the embeddings go to standard output).
            PretrainedArgument.Validate(name, "--model");
            name = PretrainedArgument.Resolve(name, parse.GetValue(output) == null ? context.Err : context.Out);
            SentenceEmbeddingTransformer encoder;
            try
            {
                encoder = new MLContext().Llm().SentenceEmbedding("Embedding", column, new SentenceEmbeddingEstimator.Options
                {
                    PretrainedModel = name, MaxLength = parse.GetValue(maxLength), BatchSize = batch, Normalize = !parse.GetValue(noNormalize),
                    NumberOfThreads = parse.GetValue(threads), Device = parse.GetValue(device)!,
                }).Fit(MLNetLlm.DataViews.InMemoryDataView.FromColumns((column, Microsoft.ML.Data.TextDataViewType.Instance, new[] { "".AsMemory() })));
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or InvalidDataException or InvalidOperationException or System.Text.Json.JsonException)
            {
                throw new CliException($"--model '{name}': {ex.Message}", ex);
            }
            float[][] vectors;
            using (encoder) vectors = encoder.Embed(texts);

            string? outPath = parse.GetValue(output);
            if (outPath == null)
            {
                Write(context.Out, vectors);
                context.Out.Flush();
                return 0;
            }
            string full = Path.GetFullPath(outPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            string tmp = full + ".tmp-" + Environment.ProcessId;
            try
            {
                using (var w = new StreamWriter(tmp, append: false, new UTF8Encoding(false))) Write(w, vectors);
                File.Move(tmp, full, overwrite: true);
            }
            finally { if (File.Exists(tmp)) File.Delete(tmp); }
            context.Out.WriteLine($"Wrote {vectors.Length} embeddings of {encoder.Dimension} values ({parse.GetValue(model)}) to {outPath}");
            return 0;
        }));
        return command;
    }

    /// <summary>One line <c>{"embedding":[…]}</c> per vector; floats in their shortest round-trip form.</summary>
    internal static void Write(TextWriter w, IEnumerable<float[]> vectors)
    {
        var sb = new StringBuilder();
        foreach (var v in vectors)
        {
            sb.Clear().Append("{\"embedding\":[");
            for (int i = 0; i < v.Length; i++)
            {
                if (i > 0) sb.Append(',');
                sb.Append(v[i].ToString("R", CultureInfo.InvariantCulture));
            }
            w.WriteLine(sb.Append("]}"));
        }
    }
}
