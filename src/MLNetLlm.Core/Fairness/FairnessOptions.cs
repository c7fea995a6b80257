namespace MLNetLlm.Fairness;

/// <summary>Options of <see cref="FairnessCatalog.Evaluate(Microsoft.ML.IDataView, string, string, string, FairnessOptions?)"/>.</summary>
public sealed class FairnessOptions
{
    /// <summary>
    /// The label value that counts as the positive (selected) outcome of a two-valued label, compared as text (a Boolean
    /// label is "True"/"False"). Default null: "True" for Boolean labels; a two-valued text label then needs it set.
    /// </summary>
    public string? PositiveLabel { get; set; }

    /// <summary>How a label with more than two values is audited. Default <see cref="MulticlassFairness.OneVsRest"/>.</summary>
    public MulticlassFairness Multiclass { get; set; } = MulticlassFairness.OneVsRest;

    /// <summary>
    /// Forces the multiclass treatment even when the data happen to hold two values (e.g. a 3-class model audited on
    /// data where one class is absent). Default false.
    /// </summary>
    public bool ForceMulticlass { get; set; }

    /// <summary>The classes to audit one-vs-rest (default null: every value seen in the label or the predictions, sorted ordinally).</summary>
    public IReadOnlyList<string>? Classes { get; set; }
}
