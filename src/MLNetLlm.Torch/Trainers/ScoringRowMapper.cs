using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Torch.Trainers;

/// <summary>Scores one row at a time for <c>PredictionEngine</c>: the output getters share one forward pass per input row.</summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    readonly TextScorer _scorer;
    readonly int[] _textIndices;

    public ScoringRowMapper(TextScorer scorer, DataViewSchema input)
    {
        _scorer = scorer;
        InputSchema = input;
        _textIndices = scorer.TextIndices(input);
        OutputSchema = scorer.GetOutputSchema(input);
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var cols = dependingColumns.ToList();
        var result = cols.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (cols.Any(c => c.Index >= InputSchema.Count)) result.AddRange(_textIndices.Select(i => InputSchema[i]));
        return result.DistinctBy(c => c.Index);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    sealed class Row : DataViewRow
    {
        readonly ScoringRowMapper _mapper;
        readonly DataViewRow _input;
        readonly HashSet<int> _active;
        readonly ValueGetter<ReadOnlyMemory<char>>[] _texts;
        long _cachedPosition = -1;
        string[]? _cachedTexts;
        float[]? _cached;

        public Row(ScoringRowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            _mapper = mapper;
            _input = input;
            _active = active;
            _texts = active.Any(i => i >= mapper.InputSchema.Count)
                ? mapper._textIndices.Select(i => input.GetGetter<ReadOnlyMemory<char>>(input.Schema[i])).ToArray()
                : [];
        }

        public override DataViewSchema Schema => _mapper.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        float[] Raw()
        {
            ReadOnlyMemory<char> v = default;
            var texts = new string[_texts.Length];
            for (int i = 0; i < texts.Length; i++) { _texts[i](ref v); texts[i] = v.ToString(); }
            if (_cached == null || _cachedPosition != _input.Position || !texts.SequenceEqual(_cachedTexts!))
            {
                _cached = _mapper._scorer.Score([texts[0]], texts.Length > 1 ? [texts[1]] : null)[0];
                _cachedTexts = texts;
                _cachedPosition = _input.Position;
            }
            return _cached;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int nIn = _mapper.InputSchema.Count;
            if (column.Index < nIn) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            var g = _mapper._scorer.Outputs.Getter(column.Index - nIn, Raw);
            return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
        }
    }
}
