using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Data.RowOperations;

/// <summary>Schema checks shared by the row steps: every failure names the step, the column and what was found.</summary>
internal static class RowOperationColumns
{
    public static DataViewSchema.Column Require(DataViewSchema schema, string name, string step)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var col = schema.GetColumnOrNull(name);
        if (col == null || col.Value.IsHidden)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"{step}: column '{name}' not found. The data has: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}' ({c.Type})"))}.");
        return col.Value;
    }

    public static DataViewSchema.Column RequireText(DataViewSchema schema, string name, string step)
    {
        var col = Require(schema, name, step);
        if (col.Type is not TextDataViewType)
            throw new ArgumentException($"{step}: column '{name}' is {col.Type}; it must be a text (String) column.", nameof(schema));
        return col;
    }
}
