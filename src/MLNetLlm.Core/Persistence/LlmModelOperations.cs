using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Persistence;

/// <summary>
/// Saves and loads MLNetLlm model files: one zip that holds the ML.NET parts of a pipeline (saved by ML.NET itself) and
/// MLNetLlm's own stateful transformers (<see cref="IPersistentTransformer"/>), in pipeline order. Loading gives back
/// one <see cref="ITransformer"/> that works with <c>CreatePredictionEngine</c>.
/// </summary>
/// <remarks>
/// Layout: <c>manifest.json</c> (format, version, stage list, metadata), <c>schema.zip</c> (the input schema, saved by
/// ML.NET), and per stage either <c>stages/NNN.mlnet.zip</c> (a run of ML.NET transformers) or <c>stages/NNN/…</c> (the
/// folder an <see cref="IPersistentTransformer"/> wrote).
/// <para>A model file names the type that loads each of its own stages, so loading only instantiates types from an
/// allow-list: <see cref="IPersistentTransformer"/> implementations in MLNetLlm's own assemblies, and those registered
/// with <see cref="RegisterComponent{T}"/>. Any damage to the file (truncated, bytes changed, another zip, an unknown
/// type, an entry that escapes its folder) is a <see cref="ModelFileException"/> whose message names the file.</para>
/// </remarks>
public sealed class LlmModelOperations
{
    /// <summary>The value of <c>format</c> in every manifest.</summary>
    public const string Format = "mlnetllm-model";

    /// <summary>The manifest version this library writes and reads.</summary>
    public const int Version = 1;

    const string ManifestEntry = "manifest.json";
    const string SchemaEntry = "schema.zip";
    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The assemblies whose <see cref="IPersistentTransformer"/> types load without registration.</summary>
    static readonly HashSet<string> OwnAssemblies = new(StringComparer.Ordinal)
    {
        "MLNetLlm.Core", "MLNetLlm.Data", "MLNetLlm.Torch", "MLNetLlm.AutoML",
    };

    /// <summary>Types registered by the application, by the name a model file records (<c>FullName, AssemblyName</c>).</summary>
    static readonly ConcurrentDictionary<string, Type> Registered = new(StringComparer.Ordinal);

    readonly MLContext _mlContext;

    internal LlmModelOperations(MLContext mlContext) => _mlContext = mlContext;

    /// <summary>
    /// Allows model files to load stages of type <typeparamref name="T"/> (an <see cref="IPersistentTransformer"/> outside
    /// MLNetLlm's own assemblies). Register before saving or loading a model that contains one; registration is per process.
    /// </summary>
    public static void RegisterComponent<T>() where T : IPersistentTransformer => RegisterComponent(typeof(T));

    /// <summary>Non-generic <see cref="RegisterComponent{T}"/>.</summary>
    /// <exception cref="ArgumentException">The type is not a concrete <see cref="IPersistentTransformer"/> with a <c>LoadFrom</c> method.</exception>
    public static void RegisterComponent(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!typeof(IPersistentTransformer).IsAssignableFrom(type) || type.IsAbstract || type.IsGenericTypeDefinition)
            throw new ArgumentException($"{type.FullName} is not a concrete IPersistentTransformer.", nameof(type));
        if (FindLoadMethod(type) is null)
            throw new ArgumentException($"{type.FullName} has no 'public static ITransformer LoadFrom(MLContext, string)' method.", nameof(type));
        Registered[NameOf(type)] = type;
    }

    static string NameOf(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    static bool IsAllowed(Type type) =>
        OwnAssemblies.Contains(type.Assembly.GetName().Name ?? "") || Registered.TryGetValue(NameOf(type), out var t) && t == type;

    /// <summary>Saves <paramref name="model"/> (trained on data with <paramref name="inputSchema"/>) to <paramref name="path"/>.</summary>
    /// <param name="model">Any transformer or chain; nested chains are flattened.</param>
    /// <param name="inputSchema">The schema of the data the model was trained on (e.g. <c>trainData.Schema</c>).</param>
    /// <param name="path">The file to write; its folder is created; an existing file is replaced only once the new one is complete.</param>
    /// <param name="metadata">Optional key/value pairs kept in the manifest (task, label names, run settings, …).</param>
    public void Save(ITransformer model, DataViewSchema inputSchema, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        var stages = new List<ITransformer>();
        Flatten(model, stages);
        var manifest = new Manifest { Format = Format, Version = Version, Metadata = metadata?.ToDictionary(kv => kv.Key, kv => kv.Value) };

        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string tmp = full + ".tmp-" + Environment.ProcessId;
        using (var zipStream = File.Create(tmp))
        using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Create))
        {
            WriteEntry(zip, SchemaEntry, s => _mlContext.Model.Save(new TransformerChain<ITransformer>(), inputSchema, s));

            var schema = inputSchema;
            var run = new List<ITransformer>();
            DataViewSchema runSchema = schema;
            void FlushRun()
            {
                if (run.Count == 0) return;
                string entry = $"stages/{manifest.Stages.Count:D3}.mlnet.zip";
                var chain = new TransformerChain<ITransformer>(run.ToArray());
                try
                {
                    WriteEntry(zip, entry, s => _mlContext.Model.Save(chain, runSchema, s));
                }
                catch (Exception ex) when (ex is not ModelFileException)
                {
                    throw new ModelFileException(
                        $"ML.NET could not save pipeline stage(s) {string.Join(", ", run.Select(t => t.GetType().Name))}: {ex.Message}", ex);
                }
                manifest.Stages.Add(new Stage { Kind = "mlnet", Entry = entry });
                run.Clear();
            }

            foreach (var stage in stages)
            {
                if (stage is IPersistentTransformer persistent)
                {
                    FlushRun();
                    var type = stage.GetType();
                    RequireLoadMethod(type);
                    if (!IsAllowed(type))
                        throw new ModelFileException(
                            $"{type.FullName} is not one of MLNetLlm's own types: call LlmModelOperations.RegisterComponent<{type.Name}>() before saving or loading models that contain it.");
                    string entry = $"stages/{manifest.Stages.Count:D3}/";
                    string dir = Directory.CreateTempSubdirectory("mlnetllm-stage-").FullName;
                    try
                    {
                        persistent.SaveTo(dir);
                        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                        {
                            string rel = Path.GetRelativePath(dir, file).Replace('\\', '/');
                            zip.CreateEntryFromFile(file, entry + rel, CompressionLevel.Fastest);
                        }
                    }
                    finally { Directory.Delete(dir, recursive: true); }
                    manifest.Stages.Add(new Stage { Kind = "component", Entry = entry, Type = NameOf(type) });
                }
                else
                {
                    if (run.Count == 0) runSchema = schema;
                    run.Add(stage);
                }
                schema = stage.GetOutputSchema(schema);
            }
            FlushRun();
            WriteEntry(zip, ManifestEntry, s => JsonSerializer.Serialize(s, manifest, JsonOptions));
        }
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>Loads a model file written by <see cref="Save"/>; <paramref name="inputSchema"/> is the schema it was trained on.</summary>
    public ITransformer Load(string path, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new ModelFileException($"Model file '{path}' does not exist.");
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException ex) { throw new ModelFileException($"'{path}' is not an MLNetLlm model file (not a zip archive).", ex); }
        using (zip)
        {
            try { return LoadStages(zip, path, out inputSchema); }
            catch (Exception ex) when (IsDamage(ex)) { throw Damaged(path, ex); }
        }
    }

    /// <summary>Whether <paramref name="ex"/>, thrown while reading a model file, means the file is damaged.</summary>
    static bool IsDamage(Exception ex) =>
        ex is InvalidDataException or IOException or JsonException or FormatException or ArgumentException or NotSupportedException
            or InvalidOperationException or OverflowException or IndexOutOfRangeException or InvalidCastException or NullReferenceException
        && ex is not ModelFileException and not OperationCanceledException;

    static ModelFileException Damaged(string path, Exception ex) =>
        new($"'{path}' is damaged or not an MLNetLlm model file ({ex.GetType().Name}: {ex.Message})", ex);

    ITransformer LoadStages(ZipArchive zip, string path, out DataViewSchema inputSchema)
    {
        var manifest = ReadManifest(zip, path);
        inputSchema = LoadMlNet(zip, SchemaEntry, path, out _);
        var loaded = new List<ITransformer>();
        foreach (var stage in manifest.Stages)
        {
            if (stage.Kind == "mlnet")
            {
                LoadMlNet(zip, stage.Entry, path, out var transformer);
                loaded.Add(transformer);
            }
            else if (stage.Kind == "component")
            {
                loaded.Add(LoadComponent(zip, stage, path));
            }
            else throw new ModelFileException($"'{path}': unknown stage kind '{stage.Kind}' in manifest.json.");
        }
        return new TransformerChain<ITransformer>(loaded.ToArray());
    }

    /// <summary>Reads the metadata saved with a model without loading the model.</summary>
    public IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        if (!File.Exists(path)) throw new ModelFileException($"Model file '{path}' does not exist.");
        ZipArchive zip;
        try { zip = ZipFile.OpenRead(path); }
        catch (InvalidDataException ex) { throw new ModelFileException($"'{path}' is not an MLNetLlm model file (not a zip archive).", ex); }
        using (zip)
        {
            try { return ReadManifest(zip, path).Metadata ?? new Dictionary<string, string>(); }
            catch (Exception ex) when (IsDamage(ex)) { throw Damaged(path, ex); }
        }
    }

    static void Flatten(ITransformer t, List<ITransformer> into)
    {
        if (IsChain(t) && t is IEnumerable<ITransformer> items)
        {
            foreach (var item in items) Flatten(item, into);
        }
        else into.Add(t);
    }

    static bool IsChain(ITransformer t)
    {
        var type = t.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TransformerChain<>);
    }

    static void RequireLoadMethod(Type type)
    {
        if (FindLoadMethod(type) == null)
            throw new ModelFileException(
                $"{type.FullName} implements IPersistentTransformer but has no 'public static ITransformer LoadFrom(MLContext, string)' method.");
    }

    static MethodInfo? FindLoadMethod(Type type) =>
        type.GetMethod("LoadFrom", BindingFlags.Public | BindingFlags.Static, [typeof(MLContext), typeof(string)]) is { } m
        && typeof(ITransformer).IsAssignableFrom(m.ReturnType) ? m : null;

    static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        // ML.NET's Model.Save needs a seekable stream; buffer each part in memory first.
        using var ms = new MemoryStream();
        write(ms);
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        using var es = entry.Open();
        ms.Position = 0;
        ms.CopyTo(es);
    }

    static Manifest ReadManifest(ZipArchive zip, string path)
    {
        var entry = zip.GetEntry(ManifestEntry) ?? throw new ModelFileException($"'{path}' has no manifest.json: it is not an MLNetLlm model file.");
        Manifest? manifest;
        try
        {
            using var s = entry.Open();
            manifest = JsonSerializer.Deserialize<Manifest>(s, JsonOptions);
        }
        catch (JsonException ex) { throw new ModelFileException($"'{path}': manifest.json is not valid JSON: {ex.Message}", ex); }
        if (manifest == null || manifest.Format != Format)
            throw new ModelFileException($"'{path}': manifest format is '{manifest?.Format}', expected '{Format}'.");
        if (manifest.Version > Version)
            throw new ModelFileException($"'{path}' was written by a newer MLNetLlm (model file version {manifest.Version}; this build reads up to {Version}).");
        return manifest;
    }

    DataViewSchema LoadMlNet(ZipArchive zip, string entryName, string path, out ITransformer transformer)
    {
        var entry = zip.GetEntry(entryName) ?? throw new ModelFileException($"'{path}' is missing its part '{entryName}'.");
        try
        {
            using var ms = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(ms);
            ms.Position = 0;
            transformer = _mlContext.Model.Load(ms, out var schema);
            return schema;
        }
        catch (Exception ex)
        {
            throw new ModelFileException($"'{path}' is damaged: ML.NET could not load part '{entryName}': {ex.Message}", ex);
        }
    }

    ITransformer LoadComponent(ZipArchive zip, Stage stage, string path)
    {
        var type = ResolveComponent(stage.Type, stage.Entry, path);
        var load = FindLoadMethod(type) ?? throw new ModelFileException($"'{path}': {type.FullName} has no public static LoadFrom(MLContext, string).");
        if (stage.Entry.Length == 0 || !stage.Entry.EndsWith('/'))
            throw new ModelFileException($"'{path}': stage entry '{stage.Entry}' in manifest.json is not a folder.");
        string dir = Directory.CreateTempSubdirectory("mlnetllm-load-").FullName;
        try
        {
            foreach (var e in zip.Entries.Where(e => e.FullName.StartsWith(stage.Entry, StringComparison.Ordinal) && e.Name.Length > 0))
            {
                string target = Path.GetFullPath(Path.Combine(dir, e.FullName[stage.Entry.Length..]));
                if (!IsInside(dir, target))
                    throw new ModelFileException($"'{path}': entry '{e.FullName}' points outside its folder.");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                e.ExtractToFile(target);
            }
            try
            {
                return (ITransformer)load.Invoke(null, [_mlContext, dir])!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException != null)
            {
                throw new ModelFileException($"'{path}': {type.Name} could not load stage '{stage.Entry}': {ex.InnerException.Message}", ex.InnerException);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Whether the full path <paramref name="target"/> lies inside <paramref name="folder"/>: compared with a trailing
    /// separator, so "/tmp/load-abc" does not admit "/tmp/load-abcdef/x" (zip-slip into a sibling folder).
    /// </summary>
    internal static bool IsInside(string folder, string target)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        return Path.GetFullPath(target).StartsWith(root, StringComparison.Ordinal);
    }

    /// <summary>
    /// The type named by a component stage, if it is allowed: never <c>Type.GetType</c> on the file's text, which would
    /// load any assembly the name points to. Our own assemblies are looked up by name among those we ship; anything else
    /// must have been registered.
    /// </summary>
    static Type ResolveComponent(string? name, string entry, string path)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ModelFileException($"'{path}': stage '{entry}' names no type.");
        if (Registered.TryGetValue(name, out var registered)) return registered;
        int comma = name.IndexOf(',');
        string typeName = comma < 0 ? name : name[..comma].Trim();
        string assemblyName = comma < 0 ? "" : name[(comma + 1)..].Trim();
        Type? type = null;
        if (OwnAssemblies.Contains(assemblyName))
        {
            var assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == assemblyName);
            if (assembly is null)
            {
                try { assembly = Assembly.Load(new AssemblyName(assemblyName)); }
                catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    throw new ModelFileException($"'{path}': stage '{entry}' needs {assemblyName}, which is not installed: reference its package.", ex);
                }
            }
            type = assembly.GetType(typeName, throwOnError: false);
        }
        if (type is null || !typeof(IPersistentTransformer).IsAssignableFrom(type) || type.IsAbstract || type.IsGenericTypeDefinition)
            throw new ModelFileException(
                $"'{path}': stage '{entry}' names type '{name}', which is not an MLNetLlm component nor one registered with LlmModelOperations.RegisterComponent; refusing to load it.");
        return type;
    }

    sealed class Manifest
    {
        [JsonPropertyName("format")] public string Format { get; set; } = "";
        [JsonPropertyName("version")] public int Version { get; set; }
        [JsonPropertyName("stages")] public List<Stage> Stages { get; set; } = [];
        [JsonPropertyName("metadata")] public Dictionary<string, string>? Metadata { get; set; }
    }

    sealed class Stage
    {
        [JsonPropertyName("kind")] public string Kind { get; set; } = "";
        [JsonPropertyName("entry")] public string Entry { get; set; } = "";
        [JsonPropertyName("type")] public string? Type { get; set; }
    }
}
