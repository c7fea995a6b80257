using MLNetLlm.Torch.Pretrained;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// What <c>--pretrained</c> accepts: a catalogue name (<c>mlnet-llm models list</c>), a HF BERT checkpoint folder, or a
/// BERT <c>.onnx</c> file with vocab.txt beside it.
/// </summary>
internal static class PretrainedArgument
{
    /// <summary>True when <paramref name="value"/> names a catalogue model (and no file or folder of that name exists here).</summary>
    public static bool IsCatalogueName(string value) =>
        PretrainedModels.Find(value) != null && !Directory.Exists(value) && !File.Exists(value);

    /// <summary>The value to store in run.json or generated code: a catalogue name as is, a path made absolute.</summary>
    public static string Portable(string value) => IsCatalogueName(value) ? PretrainedModels.Find(value)!.Name : Path.GetFullPath(value);

    /// <summary>A short label for reports: the catalogue name or the folder/file name.</summary>
    public static string Label(string value) => IsCatalogueName(value) ? PretrainedModels.Find(value)!.Name : Path.GetFileName(Path.TrimEndingDirectorySeparator(value));

    /// <summary>Checks the value without converting anything; throws a one-line <see cref="CliException"/>.</summary>
    public static void Validate(string value, string option = "--pretrained")
    {
        if (IsCatalogueName(value)) return;
        if (Directory.Exists(value))
        {
            foreach (var f in new[] { "config.json", "vocab.txt" })
                if (!File.Exists(Path.Combine(value, f))) throw new CliException($"{option} folder '{value}' has no {f}: it is not a HF BERT checkpoint.");
            return;
        }
        if (File.Exists(value))
        {
            if (!value.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliException($"{option} '{value}' is a file but not an .onnx model.");
            string vocab = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(value))!, "vocab.txt");
            if (!File.Exists(vocab)) throw new CliException($"{option} '{value}' has no vocab.txt beside it (expected '{vocab}').");
            return;
        }
        throw new CliException($"{option} '{value}' does not exist and is not a catalogue model ({string.Join(", ", PretrainedModels.Catalogue.Select(m => m.Name))}; see 'mlnet-llm models list'), a folder or an .onnx file.");
    }

    /// <summary>Converts a catalogue model or ONNX file into the model cache when needed, with progress lines on <paramref name="log"/>; returns the folder.</summary>
    public static string Resolve(string value, TextWriter log)
    {
        try { return PretrainedModels.Resolve(value, new LineProgress(log)); }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or InvalidDataException)
        {
            throw new CliException(ex.Message);
        }
    }

    /// <summary>
    /// Before a run starts: checks the run's encoder (the BERT to fine-tune, or the embedding featurizer's) and converts
    /// a catalogue model once, with progress lines on <paramref name="log"/>; training then reuses the cache.
    /// </summary>
    public static void Prepare(RunConfig run, TextWriter log)
    {
        if (run.Trainer == "bert" && run.Transformer?.Pretrained is { } pretrained)
        {
            Validate(pretrained);
            Resolve(pretrained, log);
        }
        if (run.Trainer != "bert" && run.EmbeddingOrNull is { } embedding)
        {
            Validate(embedding.Model);
            Resolve(embedding.Model, log);
        }
    }

    sealed class LineProgress(TextWriter log) : IProgress<string>
    {
        public void Report(string value) => log.WriteLine(value);
    }
}
