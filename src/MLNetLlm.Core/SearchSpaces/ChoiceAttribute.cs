namespace MLNetLlm.SearchSpaces;

/// <summary>Declares a choice among values (text, numbers, booleans, enum values) on a property or field.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ChoiceAttribute : Attribute
{
    /// <summary>The values to choose among.</summary>
    public ChoiceAttribute(params object[] values) => Values = values;

    /// <summary>The values to choose among.</summary>
    public IReadOnlyList<object> Values { get; }
}
