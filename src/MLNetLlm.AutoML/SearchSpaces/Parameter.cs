using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// One point of a search space: a number, text, boolean, or named sub-parameters. It is what tuners propose, what
/// trials are stored with (as JSON, <see cref="ToJson"/>), and what sweepable estimators bind to their options classes
/// (<see cref="AsType{T}"/>). Two parameters are equal when their canonical JSON (keys sorted) is equal.
/// </summary>
public sealed class Parameter : IEquatable<Parameter>
{
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    readonly double _number;
    readonly string? _text;
    readonly SortedDictionary<string, Parameter>? _children;
    string? _json;
    string? _hash;

    Parameter(ParameterKind kind, double number = 0, string? text = null, SortedDictionary<string, Parameter>? children = null)
    {
        Kind = kind;
        _number = number;
        _text = text;
        _children = children;
    }

    /// <summary>What this parameter holds.</summary>
    public ParameterKind Kind { get; }

    /// <summary>A floating-point value.</summary>
    public static Parameter FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"A parameter must be a finite number, not {value}.", nameof(value));
        return new(ParameterKind.Number, value);
    }

    /// <summary>A whole-number value.</summary>
    public static Parameter FromInt(long value) => new(ParameterKind.Integer, value);

    /// <summary>A text value.</summary>
    public static Parameter FromString(string value) => new(ParameterKind.String, text: value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>A boolean value.</summary>
    public static Parameter FromBool(bool value) => new(ParameterKind.Boolean, value ? 1 : 0);

    /// <summary>Named sub-parameters.</summary>
    public static Parameter FromObject(IEnumerable<KeyValuePair<string, Parameter>> children)
    {
        ArgumentNullException.ThrowIfNull(children);
        var dict = new SortedDictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var (k, v) in children)
        {
            if (!dict.TryAdd(k, v ?? throw new ArgumentNullException(nameof(children), $"Sub-parameter '{k}' is null.")))
                throw new ArgumentException($"Sub-parameter '{k}' appears twice.", nameof(children));
        }
        return new(ParameterKind.Object, children: dict);
    }

    /// <summary>A parameter from a choice value: string, bool, an integer type, float/double, or an enum (stored as its name).</summary>
    public static Parameter FromValue(object value) => value switch
    {
        null => throw new ArgumentNullException(nameof(value)),
        Parameter p => p,
        string s => FromString(s),
        bool b => FromBool(b),
        int or long or short or byte or sbyte or ushort or uint => FromInt(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        float f => FromDouble(f),
        double d => FromDouble(d),
        decimal m => FromDouble((double)m),
        Enum e => FromString(e.ToString()),
        _ => throw new ArgumentException($"A choice value must be text, a number, a boolean or an enum; {value.GetType().Name} is none of these."),
    };

    /// <summary>The number (integers convert).</summary>
    public double AsDouble() => Kind is ParameterKind.Number or ParameterKind.Integer ? _number : throw WrongKind("a number");

    /// <summary>The whole number (a number with no fraction converts).</summary>
    public long AsInt64()
    {
        if (Kind == ParameterKind.Integer || (Kind == ParameterKind.Number && _number == Math.Floor(_number))) return (long)_number;
        throw WrongKind("a whole number");
    }

    /// <summary>The text.</summary>
    public string AsString() => Kind == ParameterKind.String ? _text! : throw WrongKind("text");

    /// <summary>The boolean.</summary>
    public bool AsBool() => Kind == ParameterKind.Boolean ? _number != 0 : throw WrongKind("a boolean");

    /// <summary>The sub-parameters, sorted by name (empty unless <see cref="Kind"/> is Object).</summary>
    public IReadOnlyDictionary<string, Parameter> Children =>
        _children ?? (IReadOnlyDictionary<string, Parameter>)new Dictionary<string, Parameter>();

    /// <summary>The sub-parameter <paramref name="key"/>.</summary>
    public Parameter this[string key] => _children is not null && _children.TryGetValue(key, out var p)
        ? p
        : throw new KeyNotFoundException($"Parameter {ToJson()} has no '{key}'.");

    /// <summary>Whether the sub-parameter <paramref name="key"/> exists.</summary>
    public bool TryGetValue(string key, out Parameter value)
    {
        value = null!;
        return _children is not null && _children.TryGetValue(key, out value!);
    }

    InvalidOperationException WrongKind(string wanted) => new($"Parameter {ToJson()} is {Kind}, not {wanted}.");

    /// <summary>
    /// Writes the sub-parameters into a new <typeparamref name="T"/>: each name sets the public property or field of
    /// that name (numbers convert to the member's numeric type, text to enums, objects to nested classes). Members
    /// with no sub-parameter keep their defaults.
    /// </summary>
    public T AsType<T>() where T : class, new() => (T)Bind(typeof(T), new T());

    /// <summary>Like <see cref="AsType{T}"/>, writing into an existing options object.</summary>
    public object BindTo(object target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Bind(target.GetType(), target);
    }

    object Bind(Type type, object target)
    {
        if (Kind != ParameterKind.Object) throw WrongKind($"an object to bind to {type.Name}");
        foreach (var (name, value) in _children!)
        {
            var member = (MemberInfo?)type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)
                ?? type.GetField(name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new ArgumentException($"Parameter '{name}' has no public property or field of that name on {type.FullName}.");
            var memberType = member is PropertyInfo pi ? pi.PropertyType : ((FieldInfo)member).FieldType;
            object? converted;
            try { converted = value.ConvertTo(memberType, member is PropertyInfo p2 ? p2.GetValue(target) : ((FieldInfo)member).GetValue(target)); }
            catch (Exception e) when (e is InvalidOperationException or OverflowException or ArgumentException)
            {
                throw new ArgumentException($"Parameter '{name}' = {value.ToJson()} does not fit {type.Name}.{name} ({memberType.Name}): {e.Message}", e);
            }
            if (member is PropertyInfo prop)
            {
                if (!prop.CanWrite) throw new ArgumentException($"{type.Name}.{name} is read-only, so parameter '{name}' cannot be set.");
                prop.SetValue(target, converted);
            }
            else ((FieldInfo)member).SetValue(target, converted);
        }
        return target;
    }

    object? ConvertTo(Type type, object? current)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(Parameter)) return this;
        if (t == typeof(double)) return AsDouble();
        if (t == typeof(float)) return (float)AsDouble();
        if (t == typeof(int)) return checked((int)AsInt64());
        if (t == typeof(long)) return AsInt64();
        if (t == typeof(bool)) return AsBool();
        if (t == typeof(string)) return Kind == ParameterKind.String ? _text : ToJson();
        if (t.IsEnum) return Enum.Parse(t, AsString(), ignoreCase: true);
        if (Kind == ParameterKind.Object && t.IsClass)
        {
            var nested = current ?? Activator.CreateInstance(t)
                ?? throw new InvalidOperationException($"{t.Name} has no public parameterless constructor.");
            return Bind(t, nested);
        }
        throw new InvalidOperationException($"cannot convert {Kind} to {t.Name}");
    }

    /// <summary>The canonical JSON text: keys sorted, numbers in round-trip form.</summary>
    public string ToJson()
    {
        if (_json is not null) return _json;
        var sb = new StringBuilder();
        Write(sb);
        return _json = sb.ToString();
    }

    void Write(StringBuilder sb)
    {
        switch (Kind)
        {
            case ParameterKind.Number:
                var s = _number.ToString("R", CultureInfo.InvariantCulture);
                sb.Append(s);
                if (!s.Contains('.') && !s.Contains('E')) sb.Append(".0"); // keeps the kind on a round trip
                break;
            case ParameterKind.Integer: sb.Append(((long)_number).ToString(CultureInfo.InvariantCulture)); break;
            case ParameterKind.Boolean: sb.Append(_number != 0 ? "true" : "false"); break;
            case ParameterKind.String: sb.Append(JsonSerializer.Serialize(_text, Relaxed)); break;
            default:
                sb.Append('{');
                bool first = true;
                foreach (var (k, v) in _children!)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    sb.Append(JsonSerializer.Serialize(k, Relaxed)).Append(':');
                    v.Write(sb);
                }
                sb.Append('}');
                break;
        }
    }

    /// <summary>Reads the JSON written by <see cref="ToJson"/>.</summary>
    public static Parameter FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromElement(doc.RootElement);
        }
        catch (JsonException e) { throw new FormatException($"Not a parameter's JSON: {e.Message}", e); }
    }

    static Parameter FromElement(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => FromObject(e.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromElement(p.Value)))),
        JsonValueKind.String => FromString(e.GetString()!),
        JsonValueKind.True => FromBool(true),
        JsonValueKind.False => FromBool(false),
        JsonValueKind.Number => e.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0 ? FromInt(e.GetInt64()) : FromDouble(e.GetDouble()),
        _ => throw new FormatException($"A parameter cannot be JSON {e.ValueKind}."),
    };

    /// <summary>
    /// A stable fingerprint of the canonical JSON (the first 32 hex digits of its SHA-256): equal parameters have equal
    /// hashes, in every process and on every machine. Trial storages index trials by it.
    /// </summary>
    public string Hash => _hash ??= Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())))[..32];

    /// <inheritdoc/>
    public bool Equals(Parameter? other) => other is not null && ToJson() == other.ToJson();

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Parameter);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToJson());

    /// <inheritdoc/>
    public override string ToString() => ToJson();
}
