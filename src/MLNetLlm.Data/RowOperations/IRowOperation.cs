using Microsoft.ML;

namespace MLNetLlm.Data.RowOperations;

/// <summary>
/// A data step that changes the rows of a data set (deduplication, filtering, balancing, augmentation, chunking).
/// Such steps belong to training only: wrap them with <c>mlContext.Llm().ApplyWhenTraining(…)</c> so that they run
/// on the training data inside <c>Fit</c> and are a pass-through at prediction and evaluation time.
/// </summary>
public interface IRowOperation
{
    /// <summary>A short name for reports and errors, e.g. "Deduplicate".</summary>
    string Name { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the column when <paramref name="schema"/> lacks a needed column or has the wrong type.</summary>
    void CheckSchema(DataViewSchema schema);

    /// <summary>Applies the step to all rows of <paramref name="data"/>: the new rows (same columns, maybe more) and a report of what changed.</summary>
    RowOperationResult Apply(IDataView data);
}
