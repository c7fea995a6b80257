using Microsoft.ML;

namespace MLNetLlm.Data.RowOperations;

/// <summary>
/// Applies row-changing steps (<see cref="IRowOperation"/>) to the training data inside <see cref="Fit"/>, then fits
/// the estimator that follows on the changed rows. The fitted model is exactly that estimator's transformer: at
/// prediction and evaluation time the row steps do not exist, so test data is never deduplicated, oversampled or
/// augmented. Composes with ordinary chains (<c>featurizer.Append(mlContext.Llm().ApplyWhenTraining(trainer, smote))</c>)
/// and with any runner that takes an <see cref="IEstimator{TTransformer}"/>.
/// </summary>
/// <typeparam name="TTransformer">The transformer the wrapped estimator produces.</typeparam>
/// <remarks>
/// The reports of the last <see cref="Fit"/> are in <see cref="LastReports"/>, are passed to
/// <see cref="ReportsProduced"/>, and can be found from the fitted model with <see cref="RowOperationRunner.ReportsOf"/>.
/// </remarks>
public sealed class TrainingOnlyEstimator<TTransformer> : IEstimator<TTransformer>
    where TTransformer : class, ITransformer
{
    readonly IRowOperation[] _operations;
    readonly IEstimator<TTransformer> _then;

    /// <summary>Runs <paramref name="operations"/> in order on the training data, then fits <paramref name="then"/>.</summary>
    public TrainingOnlyEstimator(IEstimator<TTransformer> then, params IRowOperation[] operations)
    {
        ArgumentNullException.ThrowIfNull(then);
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Any(o => o is null)) throw new ArgumentException("A row operation is null.", nameof(operations));
        _then = then;
        _operations = operations.ToArray();
    }

    /// <summary>The row steps, in order.</summary>
    public IReadOnlyList<IRowOperation> Operations => _operations;

    /// <summary>The estimator fitted on the changed rows.</summary>
    public IEstimator<TTransformer> Then => _then;

    /// <summary>The reports of the most recent <see cref="Fit"/>, one per operation (empty before the first fit).</summary>
    public IReadOnlyList<RowOperationReport> LastReports { get; private set; } = [];

    /// <summary>Raised after each <see cref="Fit"/> with that fit's reports (e.g. to log them).</summary>
    public event Action<IReadOnlyList<RowOperationReport>>? ReportsProduced;

    /// <inheritdoc/>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var (data, reports) = RowOperationRunner.Apply(input, _operations);
        var model = _then.Fit(data);
        LastReports = reports;
        RowOperationRunner.Remember(model, reports);
        ReportsProduced?.Invoke(reports);
        return model;
    }

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => _then.GetOutputSchema(inputSchema);
}
