namespace MLNetLlm.AutoML.SearchSpaces;

/// <summary>
/// A conditional space: one of several named sub-spaces, e.g. "sdca" with its own options or "lightgbm" with others.
/// The first coordinate picks the branch; the next ones are every branch's coordinates, one after another, and only
/// the picked branch's are read. A sample is an object <c>{"choice": name, name: {…branch values…}}</c>.
/// </summary>
public sealed class OneOfOption : SearchSpaceOption
{
    /// <summary>The key holding the picked branch's name in a sample.</summary>
    public const string ChoiceKey = "choice";

    readonly (string Name, SearchSpaceOption Space)[] _branches;
    readonly int[] _offsets;

    /// <summary>A choice among named sub-spaces (a branch with no options can be an empty <see cref="SearchSpace"/>).</summary>
    public OneOfOption(IEnumerable<KeyValuePair<string, SearchSpaceOption>> branches)
    {
        ArgumentNullException.ThrowIfNull(branches);
        _branches = branches.Select(b => (b.Key, b.Value ?? throw new ArgumentException($"Branch '{b.Key}' is null."))).ToArray();
        if (_branches.Length == 0) throw new ArgumentException("A one-of option needs at least one branch.", nameof(branches));
        foreach (var (name, _) in _branches)
        {
            if (string.IsNullOrWhiteSpace(name) || name == ChoiceKey) throw new ArgumentException($"'{name}' cannot name a branch.", nameof(branches));
        }
        var dup = _branches.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Two branches are named '{dup.Key}'.", nameof(branches));
        _offsets = new int[_branches.Length];
        int offset = 1;
        for (int i = 0; i < _branches.Length; i++) { _offsets[i] = offset; offset += _branches[i].Space.FeatureSpaceDim; }
        FeatureSpaceDim = offset;
    }

    /// <summary>The branch names, in order.</summary>
    public IReadOnlyList<string> BranchNames => _branches.Select(b => b.Name).ToArray();

    /// <summary>The sub-space of branch <paramref name="name"/>.</summary>
    public SearchSpaceOption this[string name] => _branches.FirstOrDefault(b => b.Name == name).Space
        ?? throw new KeyNotFoundException($"No branch '{name}' (branches: {string.Join(", ", BranchNames)}).");

    /// <inheritdoc/>
    public override int FeatureSpaceDim { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<int> DimensionLevels =>
        new[] { _branches.Length }.Concat(_branches.SelectMany(b => b.Space.DimensionLevels)).ToArray();

    /// <inheritdoc/>
    public override Parameter Default => Make(0, _branches[0].Space.Default);

    Parameter Make(int branch, Parameter value) => Parameter.FromObject(
    [
        KeyValuePair.Create(ChoiceKey, Parameter.FromString(_branches[branch].Name)),
        KeyValuePair.Create(_branches[branch].Name, value),
    ]);

    /// <inheritdoc/>
    public override Parameter SampleFromFeatureSpace(ReadOnlySpan<double> point)
    {
        CheckPoint(point);
        int b = Cell(point[0], _branches.Length);
        var space = _branches[b].Space;
        return Make(b, space.SampleFromFeatureSpace(point.Slice(_offsets[b], space.FeatureSpaceDim)));
    }

    /// <inheritdoc/>
    public override double[] MappingToFeatureSpace(Parameter value)
    {
        string name = value[ChoiceKey].AsString();
        int b = Array.FindIndex(_branches, x => x.Name == name);
        if (b < 0) throw new ArgumentOutOfRangeException(nameof(value), $"'{name}' is not a branch (branches: {string.Join(", ", BranchNames)}).");
        var point = new double[FeatureSpaceDim];
        Array.Fill(point, 0.5); // the other branches' coordinates are unused; the middle is as good as any
        point[0] = (b + 0.5) / _branches.Length;
        _branches[b].Space.MappingToFeatureSpace(value[name]).CopyTo(point, _offsets[b]);
        return point;
    }
}
