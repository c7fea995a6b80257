using Microsoft.ML;

namespace MLNetLlm.Data.Mapping;

/// <summary>
/// Helpers for <see cref="SchemaShape"/> (whose column constructor is internal to ML.NET): find a column, and derive
/// the shape of a new column through ML.NET's own public estimators.
/// </summary>
internal static class SchemaShapes
{
    static readonly MLContext ShapeContext = new(seed: 0);

    static readonly Func<DataViewSchema, SchemaShape> CreateShape = (Func<DataViewSchema, SchemaShape>)Delegate.CreateDelegate(
        typeof(Func<DataViewSchema, SchemaShape>),
        typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [typeof(DataViewSchema)])
            ?? throw new MissingMethodException("Microsoft.ML's SchemaShape.Create(DataViewSchema) was not found; this ML.NET version is not supported."));

    /// <summary>The shape of a concrete schema (ML.NET's own <c>SchemaShape.Create</c>, which it does not make public).</summary>
    public static SchemaShape FromSchema(DataViewSchema schema) => CreateShape(schema);

    public static SchemaShape.Column? Find(SchemaShape shape, string name)
    {
        for (int i = shape.Count - 1; i >= 0; i--)
            if (shape[i].Name == name) return shape[i];
        return null;
    }

    public static SchemaShape.Column Require(SchemaShape shape, string name, string stepName) =>
        Find(shape, name) ?? throw new ArgumentOutOfRangeException(nameof(shape),
            $"{stepName}: input column '{name}' not found. The data has: {string.Join(", ", shape.Select(c => $"'{c.Name}'"))}.");

    /// <summary><paramref name="shape"/> plus a column <paramref name="output"/> shaped like <paramref name="input"/> (replacing a same-named one).</summary>
    public static SchemaShape WithCopy(SchemaShape shape, string output, string input) =>
        ShapeContext.Transforms.CopyColumns(output, input).GetOutputSchema(shape);
}
