using System.Reflection;

namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// The search space of an options class, read from its <see cref="RangeAttribute"/>, <see cref="ChoiceAttribute"/>,
/// <see cref="BooleanChoiceAttribute"/> and <see cref="NestedSearchSpaceAttribute"/> members (sorted by name).
/// Each option's default is the value a new <typeparamref name="T"/> has, when that value is inside the option.
/// More options can be added (or replaced) in code with the indexer.
/// </summary>
/// <example>
/// <code>
/// sealed class SdcaSpace
/// {
///     [Range(1e-6, 1.0, logBase: true)] public float L2Regularization { get; set; } = 1e-4f;
///     [Range(1, 100)] public int MaximumNumberOfIterations { get; set; } = 10;
/// }
/// var space = new SearchSpace&lt;SdcaSpace&gt;();
/// SdcaSpace sample = space.SampleOptions([0.5, 0.5]);
/// </code>
/// </example>
public sealed class SearchSpace<T> : SearchSpace where T : class, new()
{
    /// <summary>Reads the attributes of <typeparamref name="T"/>.</summary>
    public SearchSpace()
    {
        foreach (var (key, option) in FromAttributes(typeof(T), new T())) this[key] = option;
    }

    /// <summary>The options object for a point of the hypercube.</summary>
    public T SampleOptions(ReadOnlySpan<double> point) => SampleFromFeatureSpace(point).AsType<T>();

    internal static IEnumerable<KeyValuePair<string, SearchSpaceOption>> FromAttributes(Type type, object instance)
    {
        var members = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Cast<MemberInfo>()
            .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            .OrderBy(m => m.Name, StringComparer.Ordinal);
        foreach (var m in members)
        {
            var range = m.GetCustomAttribute<RangeAttribute>();
            var choice = m.GetCustomAttribute<ChoiceAttribute>();
            var boolean = m.GetCustomAttribute<BooleanChoiceAttribute>();
            var nested = m.GetCustomAttribute<NestedSearchSpaceAttribute>();
            int count = (range is null ? 0 : 1) + (choice is null ? 0 : 1) + (boolean is null ? 0 : 1) + (nested is null ? 0 : 1);
            if (count == 0) continue;
            string where = $"{type.Name}.{m.Name}";
            if (count > 1) throw new ArgumentException($"{where} has more than one search attribute; keep one.");
            var memberType = m is PropertyInfo p ? p.PropertyType : ((FieldInfo)m).FieldType;
            memberType = Nullable.GetUnderlyingType(memberType) ?? memberType;
            object? current = m is PropertyInfo pi ? (pi.CanRead ? pi.GetValue(instance) : null) : ((FieldInfo)m).GetValue(instance);
            if (m is PropertyInfo { CanWrite: false }) throw new ArgumentException($"{where} is read-only, so it cannot be searched.");
            SearchSpaceOption option;
            try
            {
                option = range is not null ? FromRange(range, memberType, current)
                    : choice is not null ? FromChoice(choice, memberType, current)
                    : boolean is not null ? FromBoolean(memberType, current)
                    : FromNested(memberType, current);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{where}: {e.Message}", e);
            }
            yield return KeyValuePair.Create(m.Name, option);
        }
    }

    static SearchSpaceOption FromRange(RangeAttribute range, Type memberType, object? current)
    {
        memberType = Nullable.GetUnderlyingType(memberType) ?? memberType; // e.g. int? StudentLayers: null = a computed default
        if (range.IsInteger)
        {
            if (memberType != typeof(int) && memberType != typeof(long) && memberType != typeof(double) && memberType != typeof(float))
                throw new ArgumentException($"[Range] of whole numbers needs an int, long, float or double member, not {memberType.Name}.");
            int? init = current is int i && i >= range.Min && i <= range.Max ? i : null;
            return new UniformIntOption((int)range.Min, (int)range.Max, range.LogBase, init);
        }
        if (memberType != typeof(double) && memberType != typeof(float))
            throw new ArgumentException($"[Range] of real numbers needs a float or double member, not {memberType.Name} (use int bounds for whole numbers).");
        double? d = current is null ? null : Convert.ToDouble(current, System.Globalization.CultureInfo.InvariantCulture);
        // A float member's default that equals a bound in float precision is that bound (1e-6f widens to 9.99999997e-7,
        // just below a [1e-6, …] range, and would otherwise be dropped for the range's middle).
        if (current is float f)
        {
            if (f == (float)range.Min) d = range.Min;
            else if (f == (float)range.Max) d = range.Max;
        }
        if (d is double v && (v < range.Min || v > range.Max || (range.LogBase && v <= 0))) d = null;
        return new UniformDoubleOption(range.Min, range.Max, range.LogBase, d);
    }

    static SearchSpaceOption FromChoice(ChoiceAttribute choice, Type memberType, object? current)
    {
        if (choice.Values.Count == 0) throw new ArgumentException("[Choice] needs at least one value.");
        var option = new ChoiceOption(choice.Values);
        var probe = option.Choices.FirstOrDefault(c => !Fits(c, memberType));
        if (probe is not null) throw new ArgumentException($"choice {probe} does not fit a {memberType.Name} member.");
        if (current is not null)
        {
            var cur = Parameter.FromValue(current);
            if (option.Choices.Contains(cur)) return new ChoiceOption(choice.Values, current);
        }
        return option;
    }

    static bool Fits(Parameter p, Type t) => p.Kind switch
    {
        ParameterKind.String => t == typeof(string) || (t.IsEnum && Enum.TryParse(t, p.AsString(), true, out _)),
        ParameterKind.Boolean => t == typeof(bool),
        ParameterKind.Integer => t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(float),
        ParameterKind.Number => t == typeof(double) || t == typeof(float),
        _ => false,
    };

    static SearchSpaceOption FromBoolean(Type memberType, object? current)
    {
        if (memberType != typeof(bool)) throw new ArgumentException($"[BooleanChoice] needs a bool member, not {memberType.Name}.");
        return new ChoiceOption([false, true], current is bool b ? b : false);
    }

    static SearchSpaceOption FromNested(Type memberType, object? current)
    {
        if (!memberType.IsClass || memberType == typeof(string))
            throw new ArgumentException($"[NestedSearchSpace] needs a class-typed member, not {memberType.Name}.");
        var instance = current ?? Activator.CreateInstance(memberType)
            ?? throw new ArgumentException($"{memberType.Name} has no public parameterless constructor.");
        var space = new SearchSpace();
        foreach (var (k, o) in FromAttributes(memberType, instance)) space[k] = o;
        if (space.Count == 0) throw new ArgumentException($"{memberType.Name} has no search attributes.");
        return space;
    }
}
