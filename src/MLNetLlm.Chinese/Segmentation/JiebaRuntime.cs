using System.Collections.Specialized;
using System.Configuration;
using System.Reflection;
using System.Security.Cryptography;
using JiebaNet.Segmenter;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// The one jieba.NET segmenter of the process, made safe to share.
/// </summary>
/// <remarks>
/// What jieba.NET 0.42.2 does that this class works around:
/// <list type="bullet">
/// <item>Its dictionary and HMM model are process-wide singletons read from <c>AppSettings["JiebaConfigFileDir"]</c>,
/// else from <c>Resources/</c> relative to the current directory; a missing dictionary is swallowed (Debug.Fail) and
/// every character becomes a word. Here the three files are embedded in MLNetLlm.Chinese, extracted once to a
/// versioned folder under the temp directory (or <c>MLNETLLM_JIEBA_DIR</c> / the application's own
/// <c>JiebaConfigFileDir</c> setting is used), and the loaded dictionary is checked.</item>
/// <item>User words go into that shared dictionary (a plain <c>Dictionary</c>), so adding them while another thread
/// segments can corrupt it: segmentation takes a read lock and adding words a write lock.</item>
/// <item>Reads are otherwise thread-safe: <c>Cut</c> keeps its state in locals and the static regexes are thread-safe.</item>
/// </list>
/// </remarks>
internal static class JiebaRuntime
{
    /// <summary>The environment variable that points at a folder with jieba's dict.txt, prob_trans.json and prob_emit.json.</summary>
    public const string DirectoryVariable = "MLNETLLM_JIEBA_DIR";

    const string SettingName = "JiebaConfigFileDir";
    static readonly string[] Files = ["dict.txt", "prob_trans.json", "prob_emit.json"];
    static readonly ReaderWriterLockSlim Gate = new(LockRecursionPolicy.NoRecursion);
    static readonly HashSet<string> LoadedDictionaries = new(StringComparer.Ordinal);
    static readonly Lazy<(JiebaSegmenter Segmenter, string Directory)> Instance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder the dictionary was read from (starts jieba if needed).</summary>
    public static string ResourceDirectory => Instance.Value.Directory;

    /// <summary>Precise-mode words of <paramref name="text"/> (white space included, as jieba returns it).</summary>
    public static List<string> Cut(string text, bool hmm)
    {
        var segmenter = Instance.Value.Segmenter;
        Gate.EnterReadLock();
        try { return segmenter.Cut(text, cutAll: false, hmm: hmm).ToList(); }
        finally { Gate.ExitReadLock(); }
    }

    /// <summary>Search-mode words: each precise word, preceded by its 2- and 3-character dictionary sub-words.</summary>
    public static List<string> CutForSearch(string text, bool hmm)
    {
        var segmenter = Instance.Value.Segmenter;
        Gate.EnterReadLock();
        try { return segmenter.CutForSearch(text, hmm: hmm).ToList(); }
        finally { Gate.ExitReadLock(); }
    }

    /// <summary>
    /// Adds user words to the process-wide dictionary (once per distinct dictionary content). A word without a
    /// frequency gets the one jieba suggests (just enough to be kept whole).
    /// </summary>
    public static void AddWords(UserDictionary dictionary)
    {
        var segmenter = Instance.Value.Segmenter;
        Gate.EnterWriteLock();
        try
        {
            if (!LoadedDictionaries.Add(dictionary.ContentHash)) return;
            foreach (var (word, frequency, tag) in dictionary.Words) segmenter.AddWord(word, frequency, tag);
        }
        finally { Gate.ExitWriteLock(); }
    }

    static (JiebaSegmenter, string) Start()
    {
        string directory = ChooseDirectory();
        foreach (var file in Files)
            if (!File.Exists(Path.Combine(directory, file)))
                throw new FileNotFoundException($"jieba resource folder '{directory}' has no {file} (it needs {string.Join(", ", Files)}).", Path.Combine(directory, file));
        PointJiebaAt(directory);
        var segmenter = new JiebaSegmenter();
        if (WordDictionary.Instance.Total <= 0)
            throw new InvalidOperationException($"jieba.NET loaded no words from '{Path.Combine(directory, "dict.txt")}' (the file is empty or malformed).");
        return (segmenter, directory);
    }

    static string ChooseDirectory()
    {
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } fromEnvironment) return Path.GetFullPath(fromEnvironment);
        if (ConfigurationManager.AppSettings[SettingName] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        return Extract();
    }

    /// <summary>Writes the embedded files to a folder named after their content hash (once per machine and version).</summary>
    static string Extract()
    {
        var assembly = typeof(JiebaRuntime).Assembly;
        var contents = Files.ToDictionary(f => f, f =>
        {
            using var stream = assembly.GetManifestResourceStream("MLNetLlm.Chinese.jieba." + f)
                ?? throw new InvalidOperationException($"MLNetLlm.Chinese is missing its embedded jieba file '{f}'.");
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            return ms.ToArray();
        });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in Files) sha.AppendData(contents[f]);
        string id = Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
        string root = Path.Combine(Path.GetTempPath(), "mlnetllm-jieba");
        string target = Path.Combine(root, "0.42.2-" + id);
        if (Files.All(f => File.Exists(Path.Combine(target, f)) && new FileInfo(Path.Combine(target, f)).Length == contents[f].Length)) return target;
        Directory.CreateDirectory(root);
        string staging = Path.Combine(root, $".staging-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var f in Files) File.WriteAllBytes(Path.Combine(staging, f), contents[f]);
            try { Directory.Move(staging, target); }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another process extracted it first; its copy is complete (it was moved into place whole), but an
                // older, broken folder is replaced.
                if (!Files.All(f => File.Exists(Path.Combine(target, f)) && new FileInfo(Path.Combine(target, f)).Length == contents[f].Length))
                {
                    Directory.Delete(target, recursive: true);
                    Directory.Move(staging, target);
                }
            }
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return target;
    }

    /// <summary>
    /// jieba.NET reads its folder from <c>ConfigurationManager.AppSettings</c> only; that collection is read-only, so the
    /// one key is added through NameObjectCollectionBase's protected IsReadOnly switch (and the switch restored).
    /// </summary>
    static void PointJiebaAt(string directory)
    {
        var settings = ConfigurationManager.AppSettings;
        if (string.Equals(settings[SettingName], directory, StringComparison.Ordinal)) return;
        var readOnly = typeof(NameObjectCollectionBase).GetProperty("IsReadOnly", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("Cannot point jieba.NET at its dictionary: NameObjectCollectionBase.IsReadOnly not found. Set JiebaConfigFileDir in the application's config file instead.");
        bool was = (bool)readOnly.GetValue(settings)!;
        readOnly.SetValue(settings, false);
        try { settings[SettingName] = directory; }
        finally { readOnly.SetValue(settings, was); }
        if (!string.Equals(ConfigurationManager.AppSettings[SettingName], directory, StringComparison.Ordinal))
            throw new InvalidOperationException($"Cannot point jieba.NET at '{directory}'. Set {SettingName} in the application's config file, or {DirectoryVariable}.");
    }
}
