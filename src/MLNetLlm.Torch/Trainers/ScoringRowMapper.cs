using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Mapping;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// The score columns of a <see cref="TextScorer"/> over an input schema. A PredictionEngine row runs one forward pass
/// per input row (shared by all score getters); a data view cursor reads ahead one batch of texts on a second cursor,
/// so rows are scored in batches while the main cursor streams the input unchanged.
/// </summary>
internal sealed class ScoringRowMapper : AddedColumnsMapper
{
    readonly TextScorer _scorer;
    readonly int[] _textIndices;

    public ScoringRowMapper(TextScorer scorer, DataViewSchema input) : this(scorer, input, scorer.TextIndices(input)) { }

    ScoringRowMapper(TextScorer scorer, DataViewSchema input, int[] textIndices)
        : base(input, scorer.Outputs.Schema, scorer.Outputs.Names.Select(_ => textIndices).ToArray())
    {
        _scorer = scorer;
        _textIndices = textIndices;
    }

    // The read-ahead cursor must see the rows in the main cursor's order: one cursor, no shuffling.
    public override bool SupportsCursorSets => false;

    protected internal override AddedValues CreateRowValues(DataViewRow input, bool[] active) => new RowScores(this, input);

    protected internal override AddedValues CreateCursorValues(DataViewRowCursor input, bool[] active, IDataView source) =>
        new BatchedScores(this, source.GetRowCursor(_textIndices.Select(i => source.Schema[i])));

    ValueGetter<ReadOnlyMemory<char>>[] TextGetters(DataViewRow row) =>
        _textIndices.Select(i => row.GetGetter<ReadOnlyMemory<char>>(row.Schema[i])).ToArray();

    /// <summary>Scores of one row, recomputed only when the row (position or texts) changes.</summary>
    sealed class RowScores(ScoringRowMapper mapper, DataViewRow input) : AddedValues
    {
        readonly ValueGetter<ReadOnlyMemory<char>>[] _texts = mapper.TextGetters(input);
        long _cachedPosition = -1;
        string[]? _cachedTexts;
        float[]? _cached;

        float[] Raw()
        {
            ReadOnlyMemory<char> v = default;
            var texts = new string[_texts.Length];
            for (int i = 0; i < texts.Length; i++) { _texts[i](ref v); texts[i] = v.ToString(); }
            if (_cached == null || _cachedPosition != input.Position || !texts.SequenceEqual(_cachedTexts!))
            {
                _cached = mapper._scorer.Score([texts[0]], texts.Length > 1 ? [texts[1]] : null)[0];
                _cachedTexts = texts;
                _cachedPosition = input.Position;
            }
            return _cached;
        }

        public override Delegate Getter(int addedIndex) => mapper._scorer.Outputs.Getter(addedIndex, Raw);
    }

    /// <summary>Scores of a cursor's rows, computed a batch at a time from a read-ahead cursor over the same view.</summary>
    sealed class BatchedScores : AddedValues
    {
        readonly ScoringRowMapper _mapper;
        readonly DataViewRowCursor _ahead;
        readonly ValueGetter<ReadOnlyMemory<char>>[] _texts;
        readonly Queue<float[]> _pending = new();
        float[]? _current;

        public BatchedScores(ScoringRowMapper mapper, DataViewRowCursor ahead)
        {
            _mapper = mapper;
            _ahead = ahead;
            _texts = mapper.TextGetters(ahead);
        }

        public override void Moved()
        {
            if (_pending.Count == 0) Fill();
            _current = _pending.Count > 0 ? _pending.Dequeue()
                : throw new InvalidOperationException("The input data view returned different rows on two cursors; score a cached view.");
        }

        void Fill()
        {
            var texts = new List<string>();
            var pairs = _texts.Length > 1 ? new List<string>() : null;
            ReadOnlyMemory<char> v = default;
            while (texts.Count < _mapper._scorer.BatchSize && _ahead.MoveNext())
            {
                _texts[0](ref v);
                texts.Add(v.ToString());
                if (pairs != null) { _texts[1](ref v); pairs.Add(v.ToString()); }
            }
            if (texts.Count == 0) return;
            foreach (var r in _mapper._scorer.Score(texts, pairs)) _pending.Enqueue(r);
        }

        public override Delegate Getter(int addedIndex) =>
            _mapper._scorer.Outputs.Getter(addedIndex, () => _current ?? throw new InvalidOperationException("The cursor is not on a row."));

        protected override void Dispose(bool disposing)
        {
            if (disposing) _ahead.Dispose();
            base.Dispose(disposing);
        }
    }
}
