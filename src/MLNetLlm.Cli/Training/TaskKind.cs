namespace MLNetLlm.Cli.Training;

/// <summary>What a model predicts.</summary>
internal enum TaskKind
{
    /// <summary>Two classes; the label is a boolean or a string with a named positive value.</summary>
    Binary,

    /// <summary>Two or more classes named by the label's string values.</summary>
    Multiclass,

    /// <summary>A number; with two text columns this is sentence-pair regression (similarity scores).</summary>
    Regression,
}
