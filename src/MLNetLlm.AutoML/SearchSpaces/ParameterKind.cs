namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>What a <see cref="Parameter"/> holds.</summary>
public enum ParameterKind
{
    /// <summary>A floating-point number.</summary>
    Number,
    /// <summary>A whole number.</summary>
    Integer,
    /// <summary>Text.</summary>
    String,
    /// <summary>True or false.</summary>
    Boolean,
    /// <summary>Named sub-parameters (a nested search space's sample).</summary>
    Object,
}
