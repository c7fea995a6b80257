using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;

namespace MLNetLlm.Data.Safety;

/// <summary>
/// Applies <see cref="OutputRules"/> after a model: adds Decision, FinalLabel and Rule (the rule that fired). Precedence:
/// an input blocked by the input filter, then <c>never</c> rules, then <c>review</c> rules, then <c>abstain</c>; the
/// earlier line wins within a kind. Saved by <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class OutputConstraintTransformer : IPersistentTransformer
{
    const string FileName = "output-constraint.json";
    readonly OutputRules _rules;
    readonly OutputConstraintOptions _options;

    internal OutputConstraintTransformer(OutputRules rules, OutputConstraintOptions options)
    {
        _rules = rules;
        _options = options.Clone();
        if (_options.ClassNames is { Count: > 0 } classes) rules.CheckLabels(classes.ToArray());
    }

    public OutputRules Rules => _rules;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Mapper(inputSchema).OutputSchema;

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Mapper(inputSchema);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Mapper(input.Schema).Transform(input);
    }

    internal static DataViewSchema AddedSchema(OutputConstraintOptions o)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(o.DecisionColumnName, TextDataViewType.Instance);
        b.AddColumn(o.FinalLabelColumnName, TextDataViewType.Instance);
        b.AddColumn(o.RuleColumnName, TextDataViewType.Instance);
        return b.ToSchema();
    }

    /// <summary>The decision for one row: the predicted label, the confidence, the input text and the input filter's verdict.</summary>
    public (string Decision, string FinalLabel, string Rule) Decide(string predictedLabel, double confidence, string text, bool blocked = false,
        bool flagged = false, string blockReason = "")
    {
        if (blocked) return (SafetyDecision.Blocked, "", $"input filter: {blockReason}");
        string? normalized = null;
        string Normalized() => normalized ??= MatchText.Normalize(text ?? "");
        foreach (var r in _rules.Rules.Where(r => r.Kind == OutputRuleKind.Never))
            if (r.Label == predictedLabel && r.Matches(Normalized()))
                return r.Then switch
                {
                    "review" => (SafetyDecision.Review, "", r.Name),
                    "abstain" => (SafetyDecision.Abstain, "", r.Name),
                    _ => (SafetyDecision.Replaced, r.Then!, r.Name),
                };
        foreach (var r in _rules.Rules.Where(r => r.Kind == OutputRuleKind.Review))
            if (r.WhenFlagged ? flagged : r.Matches(Normalized()))
                return (SafetyDecision.Review, "", r.Name);
        foreach (var r in _rules.Rules.Where(r => r.Kind == OutputRuleKind.Abstain))
            if (!(confidence >= r.Threshold)) // NaN confidence abstains
                return (SafetyDecision.Abstain, "", r.Name);
        return (SafetyDecision.Predict, predictedLabel, "");
    }

    SafetyMapper Mapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        DataViewSchema.Column Need(string name, string what) => inputSchema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConstrainOutput: {what} column '{name}' not found. The data has: {string.Join(", ", inputSchema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
        var label = Need(o.PredictedLabelColumnName, "predicted label");
        bool needsConfidence = _rules.Rules.Any(r => r.Kind == OutputRuleKind.Abstain);
        bool needsText = _rules.Rules.Any(r => r.Kind != OutputRuleKind.Abstain && !r.WhenFlagged);
        DataViewSchema.Column? confidence = needsConfidence ? Need(o.ConfidenceColumnName, "confidence") : null;
        DataViewSchema.Column? text = needsText ? Need(o.TextColumnName, "text") : null;
        var blocked = inputSchema.GetColumnOrNull(o.BlockedColumnName);
        var flagged = inputSchema.GetColumnOrNull(o.FlaggedColumnName);
        var reason = inputSchema.GetColumnOrNull(o.ReasonColumnName);
        if (confidence is { } cc && !(cc.Type == NumberDataViewType.Single || cc.Type is VectorDataViewType { ItemType: NumberDataViewType } v && v.ItemType == NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConstrainOutput: confidence column '{cc.Name}' must be Single or a vector of Single, not {cc.Type}.");
        if (text is { } tc && tc.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"ConstrainOutput: text column '{tc.Name}' must be text, not {tc.Type}.");
        var sources = new[] { (DataViewSchema.Column?)label, confidence, text, blocked, flagged, reason }.Where(c => c is not null).Select(c => c!.Value.Index).Distinct().ToArray();
        var classes = o.ClassNames;
        return new SafetyMapper(inputSchema, AddedSchema(o), sources, row =>
        {
            var readLabel = LabelReader(row, label, classes);
            Func<double> readConfidence = confidence is { } c ? ConfidenceReader(row, c) : () => double.NaN;
            Func<string> readText = text is { } t ? TextReader(row, t) : () => "";
            Func<bool> readBlocked = blocked is { Type: BooleanDataViewType } b ? BoolReader(row, b) : () => false;
            Func<bool> readFlagged = flagged is { Type: BooleanDataViewType } f ? BoolReader(row, f) : () => false;
            Func<string> readReason = reason is { Type: TextDataViewType } r ? TextReader(row, r) : () => "";
            return () =>
            {
                bool isBlocked = readBlocked();
                var (decision, final, rule) = Decide(readLabel(), needsConfidence ? readConfidence() : double.NaN, needsText ? readText() : "",
                    isBlocked, readFlagged(), isBlocked ? readReason() : "");
                return [decision, final, rule];
            };
        });
    }

    static Func<bool> BoolReader(DataViewRow row, DataViewSchema.Column c)
    {
        var g = row.GetGetter<bool>(c);
        bool v = false;
        return () => { g(ref v); return v; };
    }

    static Func<string> TextReader(DataViewRow row, DataViewSchema.Column c)
    {
        var g = row.GetGetter<ReadOnlyMemory<char>>(c);
        ReadOnlyMemory<char> v = default;
        return () => { g(ref v); return v.ToString(); };
    }

    static Func<double> ConfidenceReader(DataViewRow row, DataViewSchema.Column c)
    {
        if (c.Type == NumberDataViewType.Single)
        {
            var g = row.GetGetter<float>(c);
            float p = 0;
            return () => { g(ref p); return Math.Max(p, 1 - p); };
        }
        var gv = row.GetGetter<VBuffer<float>>(c);
        VBuffer<float> buffer = default;
        return () =>
        {
            gv(ref buffer);
            double max = double.NaN;
            foreach (float x in buffer.DenseValues()) if (double.IsNaN(max) || x > max) max = x;
            return max;
        };
    }

    static Func<string> LabelReader(DataViewRow row, DataViewSchema.Column c, IReadOnlyList<string>? classes)
    {
        switch (c.Type)
        {
            case BooleanDataViewType:
            {
                string negative = classes is { Count: 2 } ? classes[0] : bool.FalseString, positive = classes is { Count: 2 } ? classes[1] : bool.TrueString;
                var g = row.GetGetter<bool>(c);
                bool v = false;
                return () => { g(ref v); return v ? positive : negative; };
            }
            case TextDataViewType:
                return TextReader(row, c);
            case KeyDataViewType key when key.RawType == typeof(uint):
            {
                VBuffer<ReadOnlyMemory<char>> names = default;
                if (c.Annotations.Schema.GetColumnOrNull("KeyValues") is null)
                    throw new ArgumentOutOfRangeException(nameof(c), $"ConstrainOutput: key column '{c.Name}' has no key values to name its classes.");
                c.GetKeyValues(ref names);
                var dense = names.DenseValues().Select(n => n.ToString()).ToArray();
                var g = row.GetGetter<uint>(c);
                uint v = 0;
                return () => { g(ref v); return v >= 1 && v <= dense.Length ? dense[v - 1] : ""; };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(c), $"ConstrainOutput: predicted label column '{c.Name}' is {c.Type}; it must be Boolean, text or a key.");
        }
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("OutputConstraintTransformer is saved with mlContext.Llm().Model.Save(model, schema, path), not mlContext.Model.Save.");

    public void SaveTo(string directory) =>
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(new State { RulesSource = _rules.Source, RulesText = _rules.Text, Options = _options }));

    /// <summary>Loads what <see cref="SaveTo"/> wrote (called by <c>mlContext.Llm().Model.Load</c>).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"ConstrainOutput stage: '{FileName}' is missing from the model file.", path);
        State s;
        try { s = JsonSerializer.Deserialize<State>(File.ReadAllText(path)) ?? throw new InvalidDataException($"ConstrainOutput stage: '{FileName}' is empty."); }
        catch (JsonException ex) { throw new InvalidDataException($"ConstrainOutput stage: '{FileName}' is not valid: {ex.Message}", ex); }
        if (s.RulesText is null || s.Options is null) throw new InvalidDataException($"ConstrainOutput stage: '{FileName}' has no rules or no options.");
        return new OutputConstraintTransformer(OutputRules.Parse(s.RulesText, s.RulesSource ?? "rules"), s.Options);
    }

    sealed class State
    {
        public string? RulesSource { get; set; }
        public string? RulesText { get; set; }
        public OutputConstraintOptions? Options { get; set; }
    }
}
