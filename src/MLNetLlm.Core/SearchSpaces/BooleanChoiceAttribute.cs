namespace MLNetLlm.SearchSpaces;

/// <summary>Declares a searched boolean (false or true) on a bool property or field.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BooleanChoiceAttribute : Attribute
{
}
