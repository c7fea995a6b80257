using System.Text.Json;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Prediction;

/// <summary>
/// Rows to predict: from a CSV/TSV file (the model's text columns by name), from JSON lines (one object per line with
/// the text columns as properties), or from plain lines (one text per line, for models with one text column).
/// </summary>
internal sealed class PredictionInput
{
    PredictionInput(List<string?> ids, List<string[]> texts)
    {
        Ids = ids;
        Texts = texts;
    }

    /// <summary>The id of each row (the --id-col value, else null).</summary>
    public IReadOnlyList<string?> Ids { get; }

    /// <summary>The text values of each row, one per model text column.</summary>
    public IReadOnlyList<string[]> Texts { get; }

    /// <summary>Reads a file; the extension picks the format (.jsonl/.json: JSON lines, .txt: plain lines, else delimited).</summary>
    public static PredictionInput FromFile(string path, IReadOnlyList<string> textColumns, string? idColumn)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is ".jsonl" or ".json" or ".txt")
        {
            if (!File.Exists(path)) throw new DataFileException(path, $"Input file '{path}' does not exist.");
            using var reader = new StreamReader(path);
            return FromLines(reader, path, textColumns, idColumn, jsonOnly: ext != ".txt");
        }
        var table = DelimitedFile.Read(path);
        if (table.Rows.Count == 0) throw new DataFileException(path, $"'{path}' has a header but no rows to predict.");
        var idx = textColumns.Select(table.ColumnIndex).ToArray();
        int id = idColumn == null ? -1 : table.ColumnIndex(idColumn);
        return new PredictionInput(
            table.Rows.Select(r => id < 0 ? null : r[id]).ToList(),
            table.Rows.Select(r => idx.Select(i => r[i]).ToArray()).ToList());
    }

    /// <summary>Reads JSON lines, or plain lines when the first non-empty line is not a JSON object.</summary>
    public static PredictionInput FromLines(TextReader reader, string source, IReadOnlyList<string> textColumns, string? idColumn, bool jsonOnly = false)
    {
        var ids = new List<string?>();
        var texts = new List<string[]>();
        bool? json = jsonOnly ? true : null;
        int lineNo = 0;
        for (string? line = reader.ReadLine(); line != null; line = reader.ReadLine())
        {
            lineNo++;
            if (line.Trim().Length == 0) continue;
            json ??= line.TrimStart().StartsWith('{');
            if (json == true)
            {
                var (id, values) = ParseJson(line, source, lineNo, textColumns, idColumn);
                ids.Add(id);
                texts.Add(values);
            }
            else
            {
                if (textColumns.Count != 1)
                    throw new DataFileException(source,
                        $"{source} line {lineNo}: the model reads {textColumns.Count} text columns ({string.Join(", ", textColumns)}); give JSON lines like {{\"{textColumns[0]}\": \"…\", …}}, not plain text.", lineNo);
                ids.Add(null);
                texts.Add([line]);
            }
        }
        if (texts.Count == 0) throw new DataFileException(source, $"{source} is empty: there is nothing to predict.");
        return new PredictionInput(ids, texts);
    }

    static (string? Id, string[] Texts) ParseJson(string line, string source, int lineNo, IReadOnlyList<string> textColumns, string? idColumn)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException ex) { throw new DataFileException(source, $"{source} line {lineNo}: not valid JSON ({ex.Message}).", lineNo); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new DataFileException(source, $"{source} line {lineNo}: expected a JSON object with {string.Join(", ", textColumns)}.", lineNo);
            var values = new string[textColumns.Count];
            for (int i = 0; i < textColumns.Count; i++)
                values[i] = JsonText(doc.RootElement, textColumns[i], source, lineNo, required: true)!;
            string? id = idColumn == null ? null : JsonText(doc.RootElement, idColumn, source, lineNo, required: true);
            return (id, values);
        }
    }

    /// <summary>A property of a JSON object as text: strings as they are, numbers and booleans as written.</summary>
    internal static string? JsonText(JsonElement obj, string name, string source, int? lineNo, bool required)
    {
        string where = lineNo is { } l ? $"{source} line {l}" : source;
        if (!obj.TryGetProperty(name, out var v))
        {
            if (!required) return null;
            var names = obj.EnumerateObject().Select(p => p.Name).ToArray();
            throw new DataFileException(source, $"{where}: property '{name}' is missing (the object has: {(names.Length == 0 ? "nothing" : string.Join(", ", names))}).", lineNo, name);
        }
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => throw new DataFileException(source, $"{where}: property '{name}' must be a string, not {v.ValueKind.ToString().ToLowerInvariant()}.", lineNo, name),
        };
    }
}
