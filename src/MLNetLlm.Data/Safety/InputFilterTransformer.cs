using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Persistence;

namespace MLNetLlm.Data.Safety;

/// <summary>
/// Adds InputBlocked, InputFlagged and InputFilterReason to each row from a lexicon match on a text column and/or a
/// second classifier's score column. Rows are marked, never dropped (a prediction engine answers every row); the
/// output constraint step (<see cref="OutputConstraintTransformer"/>) turns a block into the answer "blocked". Saved by
/// <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class InputFilterTransformer : IPersistentTransformer
{
    const string FileName = "input-filter.json";
    readonly InputFilterOptions _options;

    internal InputFilterTransformer(InputFilterOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>The lexicon in use (null when filtering by score only).</summary>
    public SafetyLexicon? Lexicon => _options.Lexicon;

    public bool IsRowToRowMapper => true;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => Mapper(inputSchema).OutputSchema;

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => Mapper(inputSchema);

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Mapper(input.Schema).Transform(input);
    }

    internal static DataViewSchema AddedSchema(InputFilterOptions o)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn(o.BlockedColumnName, BooleanDataViewType.Instance);
        b.AddColumn(o.FlaggedColumnName, BooleanDataViewType.Instance);
        b.AddColumn(o.ReasonColumnName, TextDataViewType.Instance);
        return b.ToSchema();
    }

    SafetyMapper Mapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        var text = inputSchema.GetColumnOrNull(o.InputColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FilterInput: input column '{o.InputColumnName}' not found.");
        if (text.Type is not TextDataViewType)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FilterInput: column '{o.InputColumnName}' must be text, not {text.Type}.");
        DataViewSchema.Column? score = null;
        if (o.ScoreColumnName is { } sc)
        {
            score = inputSchema.GetColumnOrNull(sc) ?? throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FilterInput: score column '{sc}' not found.");
            if (score.Value.Type != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"FilterInput: score column '{sc}' must be Single (float), not {score.Value.Type}.");
        }
        int[] sources = score is { } s ? [text.Index, s.Index] : [text.Index];
        return new SafetyMapper(inputSchema, AddedSchema(o), sources, row =>
        {
            var getText = row.GetGetter<ReadOnlyMemory<char>>(text);
            var getScore = score is { } c ? row.GetGetter<float>(c) : null;
            ReadOnlyMemory<char> t = default;
            float value = 0;
            return () =>
            {
                getText(ref t);
                if (getScore != null) getScore(ref value);
                var (blocked, flagged, reason) = Decide(t.ToString(), getScore != null ? value : null);
                return [blocked, flagged, reason];
            };
        });
    }

    /// <summary>The filter's verdict on one text (and optional score): blocked, flagged (only when not blocked), and the first cause.</summary>
    public (bool Blocked, bool Flagged, string Reason) Decide(string text, float? score)
    {
        ArgumentNullException.ThrowIfNull(text);
        var o = _options;
        string? block = null, flag = null;
        if (o.Lexicon is { } lexicon)
            foreach (var m in lexicon.Match(text))
            {
                string cause = $"{(m.Action == SafetyAction.Block ? "block" : "flag")} term '{m.Term}' ({lexicon.Source}:{m.Line})";
                if (m.Action == SafetyAction.Block) block ??= cause;
                else flag ??= cause;
            }
        if (score is { } v && !float.IsNaN(v))
        {
            if (block is null && o.BlockAtScore is { } b && v >= b)
                block = string.Create(CultureInfo.InvariantCulture, $"block score {o.ScoreColumnName}={v:0.###} >= {b:0.###}");
            if (flag is null && o.FlagAtScore is { } f && v >= f)
                flag = string.Create(CultureInfo.InvariantCulture, $"flag score {o.ScoreColumnName}={v:0.###} >= {f:0.###}");
        }
        return block != null ? (true, false, block) : flag != null ? (false, true, flag) : (false, false, "");
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("InputFilterTransformer is saved with mlContext.Llm().Model.Save(model, schema, path), not mlContext.Model.Save.");

    public void SaveTo(string directory)
    {
        var o = _options;
        var state = new State
        {
            InputColumnName = o.InputColumnName, LexiconSource = o.Lexicon?.Source, LexiconText = o.Lexicon?.Text, ScoreColumnName = o.ScoreColumnName,
            BlockAtScore = o.BlockAtScore, FlagAtScore = o.FlagAtScore, BlockedColumnName = o.BlockedColumnName, FlaggedColumnName = o.FlaggedColumnName,
            ReasonColumnName = o.ReasonColumnName,
        };
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(state));
    }

    /// <summary>Loads what <see cref="SaveTo"/> wrote (called by <c>mlContext.Llm().Model.Load</c>).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"FilterInput stage: '{FileName}' is missing from the model file.", path);
        State s;
        try { s = JsonSerializer.Deserialize<State>(File.ReadAllText(path)) ?? throw new InvalidDataException($"FilterInput stage: '{FileName}' is empty."); }
        catch (JsonException ex) { throw new InvalidDataException($"FilterInput stage: '{FileName}' is not valid: {ex.Message}", ex); }
        return new InputFilterTransformer(new InputFilterOptions
        {
            InputColumnName = s.InputColumnName,
            Lexicon = s.LexiconText is { } text ? SafetyLexicon.Parse(text, s.LexiconSource ?? "lexicon") : null,
            ScoreColumnName = s.ScoreColumnName, BlockAtScore = s.BlockAtScore, FlagAtScore = s.FlagAtScore,
            BlockedColumnName = s.BlockedColumnName, FlaggedColumnName = s.FlaggedColumnName, ReasonColumnName = s.ReasonColumnName,
        });
    }

    sealed class State
    {
        public string InputColumnName { get; set; } = "";
        public string? LexiconSource { get; set; }
        public string? LexiconText { get; set; }
        public string? ScoreColumnName { get; set; }
        public float? BlockAtScore { get; set; }
        public float? FlagAtScore { get; set; }
        public string BlockedColumnName { get; set; } = "";
        public string FlaggedColumnName { get; set; } = "";
        public string ReasonColumnName { get; set; } = "";
    }
}
