namespace MLNetLlm.SearchSpaces;

/// <summary>
/// Marks a property or field whose type is itself an options class with search attributes: its space becomes a
/// nested space under the member's name.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NestedSearchSpaceAttribute : Attribute
{
}
