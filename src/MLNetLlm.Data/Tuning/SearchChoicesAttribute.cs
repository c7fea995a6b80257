namespace MLNetLlm.Data.Tuning;

/// <summary>The values an AutoML search may try for an enum or string option (default: every enum value).</summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class SearchChoicesAttribute(params object[] values) : Attribute
{
    /// <summary>The values to try.</summary>
    public IReadOnlyList<object> Values { get; } = values;
}
