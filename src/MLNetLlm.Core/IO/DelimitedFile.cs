using System.Globalization;
using System.Text;

namespace MLNetLlm.IO;

/// <summary>
/// Reads and writes RFC 4180 delimited text (CSV, TSV): a header row, fields optionally quoted with <c>"</c> (a quote
/// inside a quoted field doubled), line breaks allowed inside quoted fields. Every problem is reported with the file,
/// the line and the column, and no row is ever skipped silently.
/// </summary>
public static class DelimitedFile
{
    /// <summary>The separator a file's extension implies: tab for .tsv/.tab, comma otherwise.</summary>
    public static char SeparatorFor(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".tsv" or ".tab" ? '\t' : ',';

    /// <summary>Reads a whole file. Throws <see cref="DataFileException"/> for a missing, empty, malformed or non-UTF-8 file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator; default from the extension (<see cref="SeparatorFor"/>).</param>
    public static DelimitedTable Read(string path, char? separator = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path)) throw new DataFileException(path, $"'{path}' is a directory, not a data file.");
        if (!File.Exists(path)) throw new DataFileException(path, $"Data file '{path}' does not exist.");
        string text;
        try
        {
            text = File.ReadAllText(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException ex)
        {
            throw new DataFileException(path, $"Data file '{path}' is not valid UTF-8 (at byte {ex.Index}). Convert it to UTF-8 first.", ex);
        }
        return Parse(text, path, separator ?? SeparatorFor(path));
    }

    /// <summary>Parses delimited text already in memory; <paramref name="source"/> names it in errors.</summary>
    public static DelimitedTable Parse(string text, string source, char separator)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        if (string.IsNullOrWhiteSpace(text)) throw new DataFileException(source, $"Data file '{source}' is empty: it needs a header row and at least one data row.");

        var records = new List<(string[] Fields, int Line)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool inQuotes = false, fieldWasQuoted = false;
        while (i < text.Length)
        {
            char c = text[i];
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                    inQuotes = false; i++;
                    if (i < text.Length && text[i] != separator && text[i] != '\n' && text[i] != '\r')
                        throw new DataFileException(source, $"'{source}' line {line}: unexpected character '{text[i]}' after a closing quote (field {fields.Count + 1}).", line);
                    continue;
                }
                if (c == '\n') line++;
                field.Append(c); i++;
                continue;
            }
            if (c == '"' && field.Length == 0 && !fieldWasQuoted) { inQuotes = true; fieldWasQuoted = true; i++; continue; }
            if (c == separator) { fields.Add(field.ToString()); field.Clear(); fieldWasQuoted = false; i++; continue; }
            if (c == '\r' || c == '\n')
            {
                fields.Add(field.ToString()); field.Clear(); fieldWasQuoted = false;
                if (!(fields.Count == 1 && fields[0].Length == 0)) records.Add((fields.ToArray(), recordLine));
                fields.Clear();
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                i++; line++; recordLine = line;
                continue;
            }
            field.Append(c); i++;
        }
        if (inQuotes) throw new DataFileException(source, $"'{source}': the quoted field that starts on line {recordLine} is never closed.", recordLine);
        if (field.Length > 0 || fields.Count > 0 || fieldWasQuoted)
        {
            fields.Add(field.ToString());
            records.Add((fields.ToArray(), recordLine));
        }
        if (records.Count == 0) throw new DataFileException(source, $"Data file '{source}' is empty: it needs a header row and at least one data row.");

        var header = records[0].Fields.Select(h => h.Trim()).ToArray();
        for (int h = 0; h < header.Length; h++)
        {
            if (header[h].Length == 0) throw new DataFileException(source, $"'{source}': header column {h + 1} has no name.", 1);
            int dup = Array.IndexOf(header, header[h], 0, h);
            if (dup >= 0) throw new DataFileException(source, $"'{source}': header names column '{header[h]}' twice (columns {dup + 1} and {h + 1}).", 1);
        }
        var rows = new List<string[]>(records.Count - 1);
        var lines = new List<int>(records.Count - 1);
        for (int r = 1; r < records.Count; r++)
        {
            var (f, l) = records[r];
            if (f.Length != header.Length)
                throw new DataFileException(source,
                    $"'{source}' line {l} (data row {r}): {f.Length} field(s), but the header has {header.Length} ({string.Join(", ", header)}). " +
                    "Quote fields that contain the separator or line breaks.", l);
            rows.Add(f);
            lines.Add(l);
        }
        return new DelimitedTable(source, header, rows, lines);
    }

    /// <summary>Writes a header and rows as RFC 4180 text, quoting only fields that need it.</summary>
    public static void Write(string path, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, char? separator = null)
    {
        char sep = separator ?? SeparatorFor(path);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        using var w = new StreamWriter(path, append: false, new UTF8Encoding(false));
        w.NewLine = "\n";
        WriteRecord(w, header, sep, path, 0);
        int n = 0;
        foreach (var row in rows)
        {
            n++;
            if (row.Count != header.Count)
                throw new ArgumentException($"Row {n} has {row.Count} fields but the header has {header.Count}.", nameof(rows));
            WriteRecord(w, row, sep, path, n);
        }
    }

    /// <summary>Quotes one field for a delimited file if it contains the separator, a quote or a line break.</summary>
    public static string Quote(string field, char separator)
    {
        if (field.IndexOfAny([separator, '"', '\n', '\r']) < 0 && (field.Length == 0 || field[0] != ' ' && field[^1] != ' ')) return field;
        return "\"" + field.Replace("\"", "\"\"") + "\"";
    }

    static void WriteRecord(TextWriter w, IReadOnlyList<string> fields, char sep, string path, int row)
    {
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0) w.Write(sep);
            w.Write(Quote(fields[i] ?? throw new ArgumentException($"Row {row} field {i + 1} of '{path}' is null."), sep));
        }
        w.Write('\n');
    }

    internal static bool TryParseBool(string s, out bool value)
    {
        switch (s.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "y" or "t": value = true; return true;
            case "false" or "0" or "no" or "n" or "f": value = false; return true;
            default: value = false; return false;
        }
    }

    internal static bool TryParseFloat(string s, out float value) =>
        float.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
