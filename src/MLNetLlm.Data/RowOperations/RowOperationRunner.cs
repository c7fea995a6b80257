using System.Runtime.CompilerServices;
using Microsoft.ML;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.RowOperations;

/// <summary>Runs row-changing steps on a data set directly (outside a pipeline) and finds the reports of a fitted model.</summary>
public static class RowOperationRunner
{
    static readonly ConditionalWeakTable<ITransformer, IReadOnlyList<RowOperationReport>> Reports = new();

    /// <summary>
    /// Applies <paramref name="operations"/> in order. Every operation's schema check runs before any data is read, so a
    /// missing or wrong-type column fails fast with its name.
    /// </summary>
    public static (InMemoryDataView Data, IReadOnlyList<RowOperationReport> Reports) Apply(IDataView data, params IRowOperation[] operations)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var op in operations) op.CheckSchema(data.Schema);
        var reports = new List<RowOperationReport>(operations.Length);
        var current = InMemoryDataView.Materialize(data);
        foreach (var op in operations)
        {
            op.CheckSchema(current.Schema);
            var result = op.Apply(current);
            if (result.Report.RowsIn != current.RowCount || result.Report.RowsOut != result.Data.RowCount)
                throw new InvalidOperationException($"{op.Name}: its report says {result.Report.RowsIn} in / {result.Report.RowsOut} out, but it read {current.RowCount} and returned {result.Data.RowCount} rows.");
            reports.Add(result.Report);
            current = result.Data;
        }
        return (current, reports);
    }

    /// <summary>
    /// The row-step reports recorded when <paramref name="model"/> (or a transformer inside it, for chains) was fitted by
    /// a <see cref="TrainingOnlyEstimator{TTransformer}"/> in this process; empty when none.
    /// </summary>
    public static IReadOnlyList<RowOperationReport> ReportsOf(ITransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = new List<RowOperationReport>();
        Collect(model, found, 0);
        return found;
    }

    internal static void Remember(ITransformer model, IReadOnlyList<RowOperationReport> reports) => Reports.AddOrUpdate(model, reports);

    static void Collect(ITransformer model, List<RowOperationReport> into, int depth)
    {
        if (Reports.TryGetValue(model, out var reports)) into.AddRange(reports);
        if (depth < 16 && model is IEnumerable<ITransformer> chain)
            foreach (var inner in chain) Collect(inner, into, depth + 1);
    }
}
