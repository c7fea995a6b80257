using System.Text;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// The UI's folder: <c>datasets/</c> (imported CSV/TSV files), <c>runs/</c> (one train output folder per run, as the
/// CLI writes it) and <c>logs/</c> (each run's printed output). An upload is written to a temporary file, checked with
/// the CLI's reader, and only then moved into <c>datasets/</c>: a bad file leaves the workspace as it was.
/// </summary>
internal sealed class Workspace
{
    public Workspace(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Datasets);
        Directory.CreateDirectory(Runs);
        Directory.CreateDirectory(Logs);
    }

    public string Root { get; }
    public string Datasets => Path.Combine(Root, "datasets");
    public string Runs => Path.Combine(Root, "runs");
    public string Logs => Path.Combine(Root, "logs");

    /// <summary>The data files in datasets/, by name.</summary>
    public IReadOnlyList<string> ListDatasets() =>
        Directory.EnumerateFiles(Datasets).Select(Path.GetFileName).Where(n => IsDataFile(n!) && !n!.StartsWith('.')).Order(StringComparer.Ordinal).ToList()!;

    /// <summary>The run folders, newest first.</summary>
    public IReadOnlyList<string> ListRuns() =>
        new DirectoryInfo(Runs).EnumerateDirectories().Where(d => !d.Name.StartsWith('.')).OrderByDescending(d => d.CreationTimeUtc).Select(d => d.Name).ToList();

    /// <summary>The path of a dataset by name; null when the name is not a plain file name of datasets/.</summary>
    public string? DatasetPath(string? name) => SafeChild(Datasets, name) is { } p && File.Exists(p) ? p : null;

    /// <summary>The folder of a run by id; null when there is none.</summary>
    public string? RunPath(string? id) => SafeChild(Runs, id) is { } p && Directory.Exists(p) ? p : null;

    public static bool IsDataFile(string name) =>
        name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase);

    static string? SafeChild(string folder, string? name)
    {
        if (string.IsNullOrEmpty(name) || name != Path.GetFileName(name) || name is "." or ".." || name.StartsWith('.')) return null;
        return Path.Combine(folder, name);
    }

    /// <summary>
    /// Imports an upload: copies at most <paramref name="maxBytes"/> into a temporary file beside datasets/, reads it
    /// with the CLI's CSV/TSV reader and checks it has a header, two columns and a data row, then moves it into
    /// datasets/ under a free name. Returns the dataset's name.
    /// </summary>
    /// <exception cref="DataFileException">When the file is not a usable table (the message names line and column).</exception>
    public async Task<string> ImportAsync(string fileName, Stream content, long maxBytes, CancellationToken cancel)
    {
        string name = CleanName(fileName);
        string temp = Path.Combine(Root, $".upload-{Guid.NewGuid():N}{Path.GetExtension(name)}");
        try
        {
            long total = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                var buffer = new byte[81920];
                int n;
                while ((n = await content.ReadAsync(buffer, cancel)) > 0)
                {
                    total += n;
                    if (total > maxBytes)
                        throw new DataFileException(name, $"'{name}' is larger than the upload limit of {FormatBytes(maxBytes)} (mlnet-llm ui --max-upload-mb): nothing was imported.");
                    await file.WriteAsync(buffer.AsMemory(0, n), cancel);
                }
            }
            if (total == 0) throw new DataFileException(name, $"'{name}' is empty: it needs a header row and at least one data row.");
            Check(temp, name);
            string target = FreeName(name);
            File.Move(temp, target);
            return Path.GetFileName(target);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Reads a data file with the CLI's reader and checks it is a table the wizard can use.</summary>
    static void Check(string path, string shownName)
    {
        var head = new byte[Math.Min(8192, new FileInfo(path).Length)];
        using (var f = File.OpenRead(path)) f.ReadExactly(head);
        if (Array.IndexOf(head, (byte)0) is int zero and >= 0)
            throw new DataFileException(shownName, $"'{shownName}' is a binary file (a zero byte at offset {zero}), not CSV/TSV text: nothing was imported.");
        DelimitedTable table;
        try
        {
            table = DelimitedFile.Read(path, DelimitedFile.SeparatorFor(shownName));
        }
        catch (DataFileException ex)
        {
            throw new DataFileException(shownName, ex.Message.Replace(path, shownName, StringComparison.Ordinal), ex);
        }
        string sep = DelimitedFile.SeparatorFor(shownName) == '\t' ? "tab" : "comma";
        if (table.Header.Count < 2)
            throw new DataFileException(shownName, $"'{shownName}' line 1: the header has one column ('{Trim(table.Header[0])}'): a {sep}-separated file needs a label and a text column. Is the delimiter right? (.csv: comma, .tsv: tab)", 1);
        if (table.Rows.Count == 0) throw new DataFileException(shownName, $"'{shownName}' has a header but no data rows.", 1);
    }

    static string Trim(string s) => s.Length > 60 ? s[..60] + "…" : s;

    string FreeName(string name)
    {
        string target = Path.Combine(Datasets, name);
        for (int i = 2; File.Exists(target); i++) target = Path.Combine(Datasets, $"{Path.GetFileNameWithoutExtension(name)}-{i}{Path.GetExtension(name)}");
        return target;
    }

    static string CleanName(string fileName)
    {
        var sb = new StringBuilder();
        foreach (char ch in Path.GetFileName(fileName.Replace('\\', '/')))
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_');
        string name = sb.ToString().TrimStart('.');
        if (name.Length == 0) name = "data.csv";
        if (!IsDataFile(name)) name += ".csv";
        return name;
    }

    public static string FormatBytes(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : bytes >= 1024 ? $"{bytes / 1024.0:0.#} KB" : $"{bytes} bytes";
}
