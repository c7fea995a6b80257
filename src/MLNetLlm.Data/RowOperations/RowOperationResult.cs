using MLNetLlm.DataViews;

namespace MLNetLlm.Data.RowOperations;

/// <summary>The rows a <see cref="IRowOperation"/> produced and its report.</summary>
public sealed class RowOperationResult(InMemoryDataView data, RowOperationReport report)
{
    /// <summary>The rows after the step.</summary>
    public InMemoryDataView Data { get; } = data ?? throw new ArgumentNullException(nameof(data));

    /// <summary>What the step did.</summary>
    public RowOperationReport Report { get; } = report ?? throw new ArgumentNullException(nameof(report));
}
