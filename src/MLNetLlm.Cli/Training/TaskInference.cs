using System.Globalization;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// The task of a <c>train</c> run without <c>--task</c>, from the label column's values in the training rows: two
/// values → binary, more numbers → regression, more values → multiclass. A binary label that is neither Boolean nor
/// given a <c>--positive-label</c> gets its rarer value as the positive class (said on the console).
/// </summary>
internal static class TaskInference
{
    /// <summary>The task, and a short reason for the console.</summary>
    public static (TaskKind Task, string Why) Infer(DelimitedTable table, IReadOnlyList<int> rows, string labelColumn)
    {
        int li = table.ColumnIndex(labelColumn);
        var counts = Counts(table, rows, li);
        if (counts.Count == 0)
            throw new CliException($"Column '{labelColumn}' (--label-col) of '{table.Source}' has no values: the task cannot be inferred; give --task.");
        if (counts.Count == 1)
            throw new CliException($"Column '{labelColumn}' (--label-col) of '{table.Source}' has only one value ('{counts.Keys.First()}'): a model needs at least two classes, or numbers for --task regression.");
        if (counts.Count == 2) return (TaskKind.Binary, $"column '{labelColumn}' has two values");
        if (counts.Keys.All(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            return (TaskKind.Regression, $"column '{labelColumn}' holds {counts.Count} distinct numbers (--task multiclass to treat them as classes)");
        return (TaskKind.Multiclass, $"column '{labelColumn}' has {counts.Count} values");
    }

    /// <summary>The positive class of an inferred binary task with text labels: the rarer value (ties: the later one in ordinal order).</summary>
    public static string RarerValue(DelimitedTable table, IReadOnlyList<int> rows, string labelColumn) =>
        Counts(table, rows, table.ColumnIndex(labelColumn)).OrderBy(kv => kv.Value).ThenByDescending(kv => kv.Key, StringComparer.Ordinal).First().Key;

    /// <summary>Rows per label value (trimmed; empty values left out).</summary>
    public static Dictionary<string, int> Counts(DelimitedTable table, IReadOnlyList<int> rows, int labelIndex)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (int r in rows)
        {
            string v = table.Rows[r][labelIndex].Trim();
            if (v.Length > 0) counts[v] = counts.GetValueOrDefault(v) + 1;
        }
        return counts;
    }
}
