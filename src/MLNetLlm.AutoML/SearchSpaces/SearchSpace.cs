using System.Collections;

namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// A nested search space: named options (ranges, choices, other spaces, one-of branches), built in code with the
/// indexer or collection initialiser, or from an options class's attributes with <see cref="SearchSpace{T}"/>.
/// Its hypercube is the options' hypercubes one after another, in the order they were added.
/// </summary>
/// <example>
/// <code>
/// var space = new SearchSpace
/// {
///     ["LearningRate"] = new UniformDoubleOption(1e-4, 1e-1, logBase: true),
///     ["Leaves"] = new UniformIntOption(4, 128, logBase: true),
///     ["Loss"] = new ChoiceOption("log", "hinge"),
/// };
/// </code>
/// </example>
public class SearchSpace : SearchSpaceOption, IEnumerable<KeyValuePair<string, SearchSpaceOption>>
{
    readonly List<KeyValuePair<string, SearchSpaceOption>> _options = [];

    /// <summary>An empty space; add options with the indexer.</summary>
    public SearchSpace() { }

    /// <summary>The option named <paramref name="key"/>; setting it adds or replaces the option.</summary>
    public SearchSpaceOption this[string key]
    {
        get => _options.FirstOrDefault(o => o.Key == key).Value
            ?? throw new KeyNotFoundException($"The search space has no option '{key}' (it has: {string.Join(", ", Keys)}).");
        set
        {
            if (string.IsNullOrWhiteSpace(key)) throw new ArgumentException("An option needs a name.", nameof(key));
            ArgumentNullException.ThrowIfNull(value, key);
            if (ReferenceEquals(value, this)) throw new ArgumentException($"Option '{key}' cannot be the space itself.");
            int i = _options.FindIndex(o => o.Key == key);
            if (i >= 0) _options[i] = KeyValuePair.Create(key, value);
            else _options.Add(KeyValuePair.Create(key, value));
        }
    }

    /// <summary>Adds option <paramref name="key"/> (collection-initialiser form).</summary>
    public void Add(string key, SearchSpaceOption option) => this[key] = option;

    /// <summary>The option names, in order.</summary>
    public IEnumerable<string> Keys => _options.Select(o => o.Key);

    /// <summary>The number of options (not coordinates).</summary>
    public int Count => _options.Count;

    /// <inheritdoc/>
    public override int FeatureSpaceDim => _options.Sum(o => o.Value.FeatureSpaceDim);

    /// <inheritdoc/>
    public override IReadOnlyList<int> DimensionLevels => _options.SelectMany(o => o.Value.DimensionLevels).ToArray();

    /// <inheritdoc/>
    public override Parameter Default => Parameter.FromObject(_options.Select(o => KeyValuePair.Create(o.Key, o.Value.Default)));

    /// <inheritdoc/>
    public override Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point)
    {
        CheckPoint(point);
        var values = new List<KeyValuePair<string, Parameter>>(_options.Count);
        int offset = 0;
        foreach (var (key, option) in _options)
        {
            values.Add(KeyValuePair.Create(key, option.SampleFromFeatureSpace(point.Slice(offset, option.FeatureSpaceDim))));
            offset += option.FeatureSpaceDim;
        }
        return Parameter.FromObject(values);
    }

    /// <inheritdoc/>
    public override double[] MappingToFeatureSpace(Parameter value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var point = new List<double>(FeatureSpaceDim);
        foreach (var (key, option) in _options)
        {
            if (!value.TryGetValue(key, out var v))
                throw new ArgumentException($"Parameter {value} has no '{key}', which the search space needs.", nameof(value));
            point.AddRange(option.MappingToFeatureSpace(v));
        }
        return point.ToArray();
    }

    /// <summary>
    /// Throws a clear <see cref="ArgumentException"/> when the space has nothing to search (no coordinate), since no
    /// tuner can work on it.
    /// </summary>
    public void EnsureSearchable()
    {
        if (FeatureSpaceDim == 0)
            throw new ArgumentException(Count == 0
                ? "The search space is empty: add at least one option (a range, a choice or a nested space)."
                : $"The search space has options ({string.Join(", ", Keys)}) but none with anything to choose.");
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, SearchSpaceOption>> GetEnumerator() => _options.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
