using System.CommandLine;
using System.Globalization;
using MLNetLlm.Cli.Training;
using MLNetLlm.Torch.Pretrained;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm models list|pull</c>: the offline catalogue of pretrained encoders and the model cache.</summary>
internal static class ModelsCommand
{
    public static Command Create(CliContext context)
    {
        var list = new Command("list", "List the pretrained encoders --pretrained NAME accepts: size (converted, else the packaged ONNX), licences, whether converted into the cache.");
        list.SetAction(_ => context.Guard(() =>
        {
            var o = context.Out;
            o.WriteLine($"Model cache: {PretrainedModels.CacheDirectory} (set {PretrainedModels.CacheEnvironmentVariable} to move it)");
            o.WriteLine();
            o.WriteLine($"{"NAME",-18} {"SIZE",-8} {"MODEL LICENCE",-14} {"PACKAGE",-42} {"PACKAGE LICENCE",-16} CACHED");
            foreach (var m in PretrainedModels.Catalogue)
            {
                string dir = PretrainedModels.CachedPath(m);
                bool cached = PretrainedModels.IsCached(m);
                string size = cached ? Megabytes(new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)) : PackageSize(m);
                o.WriteLine($"{m.Name,-18} {size,-8} {m.ModelLicense,-14} {m.PackageId + " " + m.PackageVersion,-42} {m.PackageLicense,-16} {(cached ? dir : "no (converted on first use)")}");
            }
            o.WriteLine();
            foreach (var m in PretrainedModels.Catalogue) o.WriteLine($"{m.Name}: {m.Description}. Weights: {m.Origin}.");
            o.WriteLine("Also accepted by --pretrained: a HF BERT folder (config.json, model.safetensors, vocab.txt) or a BERT .onnx file with vocab.txt beside it.");
            return 0;
        }));
        var name = new Argument<string>("name") { Description = "A catalogue name (see 'models list') or a BERT .onnx file with vocab.txt beside it." };
        var pull = new Command("pull", "Convert a catalogue model (from the NuGet cache or a configured NuGet source) into the model cache now; prints its folder.") { name };
        pull.SetAction(parse => context.Guard(() =>
        {
            string value = parse.GetValue(name)!;
            PretrainedArgument.Validate(value, "models pull");
            context.Out.WriteLine(PretrainedArgument.Resolve(value, context.Out));
            return 0;
        }));
        return new Command("models", "The offline catalogue of pretrained encoders (list, pull).") { list, pull };
    }

    static string PackageSize(PretrainedModelInfo m) => PretrainedModels.PackagedModelBytes(m) is { } bytes ? Megabytes(bytes) : "?";

    static string Megabytes(long bytes) => (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture) + " MB";
}
