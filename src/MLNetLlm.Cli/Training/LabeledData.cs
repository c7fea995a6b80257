using Microsoft.ML.Data;
using MLNetLlm.DataViews;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// Turns rows of a delimited table into the data view a pipeline trains or is evaluated on: the text columns, plus the
/// label converted for the task (boolean for binary, text for multiclass, float for regression). Every value that
/// cannot be used is reported with its file, line and column.
/// </summary>
internal static class LabeledData
{
    /// <summary>Checks the columns and works out the label's values from the training rows.</summary>
    public static ModelSignature InferSignature(TaskKind task, DelimitedTable table, IReadOnlyList<int> rows,
        string labelColumn, IReadOnlyList<string> textColumns, string? positiveLabel)
    {
        CheckColumns(table, labelColumn, textColumns);
        int li = table.ColumnIndex(labelColumn);
        if (rows.Count == 0) throw new CliException($"'{table.Source}' has no training rows.");
        foreach (int r in rows)
            if (string.IsNullOrWhiteSpace(table.Rows[r][li]) && task != TaskKind.Regression)
                throw Bad(table, r, labelColumn, "the label is empty");

        var distinct = rows.Select(r => table.Rows[r][li].Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        switch (task)
        {
            case TaskKind.Binary:
                return BinarySignature(table, labelColumn, textColumns, positiveLabel, distinct);
            case TaskKind.Multiclass:
                if (positiveLabel != null) throw new CliException("--positive-label is only for --task binary.");
                if (distinct.Length < 2)
                    throw new CliException($"Column '{labelColumn}' in '{table.Source}' has only one value ('{distinct[0]}'): multiclass classification needs at least two classes.");
                return new ModelSignature { Task = task, LabelColumn = labelColumn, TextColumns = textColumns, Classes = distinct };
            default:
                if (positiveLabel != null) throw new CliException("--positive-label is only for --task binary.");
                var numbers = Numbers(table, labelColumn);
                foreach (int r in rows) CheckNumber(table, r, numbers, labelColumn);
                return new ModelSignature { Task = task, LabelColumn = labelColumn, TextColumns = textColumns };
        }
    }

    static ModelSignature BinarySignature(DelimitedTable table, string labelColumn, IReadOnlyList<string> textColumns, string? positiveLabel, string[] distinct)
    {
        string Values() => string.Join(", ", distinct.Take(10).Select(v => $"'{v}'")) + (distinct.Length > 10 ? ", …" : "");
        if (distinct.Length > 2)
            throw new CliException(
                $"Column '{labelColumn}' in '{table.Source}' has {distinct.Length} distinct values ({Values()}): binary classification needs exactly two. " +
                "Use --task multiclass, or pick another --label-col.");
        if (positiveLabel != null)
        {
            if (!distinct.Contains(positiveLabel, StringComparer.Ordinal))
                throw new CliException($"--positive-label '{positiveLabel}' does not occur in column '{labelColumn}' of '{table.Source}' (its values: {Values()}).");
            if (distinct.Length < 2)
                throw new CliException($"Column '{labelColumn}' in '{table.Source}' has only the value '{positiveLabel}': binary classification needs both classes in the training data.");
            string negative = distinct.Single(v => v != positiveLabel);
            return new ModelSignature
            {
                Task = TaskKind.Binary, LabelColumn = labelColumn, TextColumns = textColumns,
                PositiveLabel = positiveLabel, NegativeLabel = negative, Classes = [negative, positiveLabel],
            };
        }
        if (TryBooleans(table, labelColumn) is { } booleans)
        {
            if (booleans.Distinct().Count() < 2)
                throw new CliException($"Column '{labelColumn}' in '{table.Source}' holds only one class ({Values()}): binary classification needs both classes in the training data.");
            return new ModelSignature { Task = TaskKind.Binary, LabelColumn = labelColumn, TextColumns = textColumns, Classes = ["false", "true"] };
        }
        throw new CliException(
            $"Column '{labelColumn}' in '{table.Source}' holds text labels ({Values()}), not booleans: pass --positive-label with the value that means positive.");
    }

    /// <summary>Checks that the label and text columns exist and do not collide.</summary>
    public static void CheckColumns(DelimitedTable table, string labelColumn, IReadOnlyList<string> textColumns)
    {
        if (textColumns.Count == 0) throw new CliException("At least one --text-col is needed.");
        if (textColumns.Count > ModelSignature.MaxTextColumns)
            throw new CliException($"{textColumns.Count} text columns given; at most {ModelSignature.MaxTextColumns} are supported.");
        var dup = textColumns.GroupBy(c => c).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new CliException($"--text-col '{dup.Key}' is given twice.");
        table.ColumnIndex(labelColumn);
        foreach (var c in textColumns)
        {
            table.ColumnIndex(c);
            if (c == labelColumn) throw new CliException($"Column '{c}' cannot be both the label (--label-col) and a text column (--text-col).");
            if (c == ModelSignature.LabelColumnName)
                throw new CliException($"Text column '{c}' has the name the label column gets inside the pipeline; rename it in '{table.Source}'.");
        }
    }

    /// <summary>
    /// The data view of <paramref name="rows"/>: the signature's text columns and, if <paramref name="withLabel"/>, the label.
    /// <paramref name="sourceTextColumns"/> names the table's columns that hold the signature's text columns, in order, when
    /// their names differ (the view's columns keep the signature's names); null reads the signature's names.
    /// </summary>
    public static InMemoryDataView Build(DelimitedTable table, IReadOnlyList<int> rows, ModelSignature signature, bool withLabel = true,
        IReadOnlyList<string>? sourceTextColumns = null)
    {
        var source = sourceTextColumns ?? signature.TextColumns;
        if (source.Count != signature.TextColumns.Count)
            throw new CliException($"The model reads {signature.TextColumns.Count} text column(s) ({string.Join(", ", signature.TextColumns)}); {source.Count} --text-col given.");
        if (withLabel) CheckColumns(table, signature.LabelColumn, source);
        var columns = new List<(string, DataViewType, Array)>();
        for (int i = 0; i < source.Count; i++)
        {
            int ci = table.ColumnIndex(source[i]);
            columns.Add((signature.TextColumns[i], TextDataViewType.Instance, rows.Select(r => table.Rows[r][ci].AsMemory()).ToArray()));
        }
        if (withLabel)
        {
            int li = table.ColumnIndex(signature.LabelColumn);
            Array labels;
            if (signature.Task == TaskKind.Multiclass)
                labels = rows.Select(r => ClassLabel(table, r, li, signature).AsMemory()).ToArray();
            else if (signature.Task == TaskKind.Regression)
            {
                var numbers = Numbers(table, signature.LabelColumn);
                labels = rows.Select(r => CheckNumber(table, r, numbers, signature.LabelColumn)).ToArray();
            }
            else if (signature.PositiveLabel != null)
                labels = rows.Select(r => BinaryLabel(table, r, li, signature)).ToArray();
            else
            {
                var booleans = table.ToDataView((signature.LabelColumn, BooleanDataViewType.Instance)).GetColumn<bool>(signature.LabelColumn);
                labels = rows.Select(r => booleans[r]).ToArray();
            }
            columns.Add((ModelSignature.LabelColumnName, LabelType(signature.Task), labels));
        }
        return InMemoryDataView.FromColumns(columns.ToArray());
    }

    /// <summary>The type of the label column a task trains on.</summary>
    public static DataViewType LabelType(TaskKind task) => task switch
    {
        TaskKind.Binary => BooleanDataViewType.Instance,
        TaskKind.Multiclass => TextDataViewType.Instance,
        _ => NumberDataViewType.Single,
    };

    static bool BinaryLabel(DelimitedTable table, int r, int li, ModelSignature s)
    {
        string v = table.Rows[r][li].Trim();
        if (v == s.PositiveLabel) return true;
        if (v == s.NegativeLabel) return false;
        throw Bad(table, r, s.LabelColumn, $"label '{Clip(v)}' is neither '{s.PositiveLabel}' nor '{s.NegativeLabel}' (the model's two classes)");
    }

    /// <summary>The label column parsed as booleans, or null when some value is not a boolean.</summary>
    internal static bool[]? TryBooleans(DelimitedTable table, string column)
    {
        try { return table.ToDataView((column, BooleanDataViewType.Instance)).GetColumn<bool>(column); }
        catch (DataFileException) { return null; }
    }

    /// <summary>The label column parsed as numbers (an unparsable value is an error naming its line; empty is NaN).</summary>
    static float[] Numbers(DelimitedTable table, string column) =>
        table.ToDataView((column, NumberDataViewType.Single)).GetColumn<float>(column);

    static string ClassLabel(DelimitedTable table, int r, int li, ModelSignature s)
    {
        string v = table.Rows[r][li].Trim();
        if (!s.Classes.Contains(v, StringComparer.Ordinal))
            throw Bad(table, r, s.LabelColumn, $"class '{Clip(v)}' was not in the training data (classes: {string.Join(", ", s.Classes)})");
        return v;
    }

    static float CheckNumber(DelimitedTable table, int r, float[] numbers, string column)
    {
        float f = numbers[r];
        if (!float.IsFinite(f))
            throw Bad(table, r, column, float.IsNaN(f) ? "the label is empty (regression needs a number in every row)" : $"'{Clip(table.Rows[r][table.ColumnIndex(column)])}' is not a finite number");
        return f;
    }

    static DataFileException Bad(DelimitedTable table, int r, string column, string what) =>
        new(table.Source, $"'{table.Source}' line {table.Lines[r]} (data row {r + 1}), column '{column}': {what}.", table.Lines[r], column);

    static string Clip(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
