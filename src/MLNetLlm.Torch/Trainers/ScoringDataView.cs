using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.Torch.Trainers;

/// <summary>
/// The input view plus the score columns, computed lazily: a second cursor over the text columns reads ahead one batch
/// at a time, so rows are scored in batches while the main cursor streams the input unchanged.
/// </summary>
internal sealed class ScoringDataView : IDataView
{
    readonly TextScorer _scorer;
    readonly IDataView _input;
    readonly int[] _textIndices;

    public ScoringDataView(TextScorer scorer, IDataView input)
    {
        _scorer = scorer;
        _input = input;
        _textIndices = scorer.TextIndices(input.Schema);
        Schema = scorer.GetOutputSchema(input.Schema);
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int nIn = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scoring = needed.Any(i => i >= nIn);
        var inputCols = needed.Where(i => i < nIn).Select(i => _input.Schema[i]).ToList();
        var input = _input.GetRowCursor(inputCols);
        var ahead = scoring ? _input.GetRowCursor(_textIndices.Select(i => _input.Schema[i])) : null;
        return new Cursor(this, input, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    sealed class Cursor : DataViewRowCursor
    {
        readonly ScoringDataView _view;
        readonly DataViewRowCursor _input;
        readonly DataViewRowCursor? _ahead;
        readonly HashSet<int> _active;
        readonly ValueGetter<ReadOnlyMemory<char>>[] _textGetters;
        readonly Queue<float[]> _pending = new();
        float[]? _current;

        public Cursor(ScoringDataView view, DataViewRowCursor input, DataViewRowCursor? ahead, HashSet<int> active)
        {
            _view = view;
            _input = input;
            _ahead = ahead;
            _active = active;
            _textGetters = ahead == null ? [] : view._textIndices.Select(i => ahead.GetGetter<ReadOnlyMemory<char>>(view._input.Schema[i])).ToArray();
        }

        public override DataViewSchema Schema => _view.Schema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!_input.MoveNext()) return false;
            if (_ahead != null)
            {
                if (_pending.Count == 0) Fill();
                _current = _pending.Count > 0 ? _pending.Dequeue()
                    : throw new InvalidOperationException("The input data view returned different rows on two cursors; score a cached view.");
            }
            return true;
        }

        void Fill()
        {
            var texts = new List<string>();
            var pairs = _textGetters.Length > 1 ? new List<string>() : null;
            ReadOnlyMemory<char> v = default;
            while (texts.Count < _view._scorer.BatchSize && _ahead!.MoveNext())
            {
                _textGetters[0](ref v);
                texts.Add(v.ToString());
                if (pairs != null) { _textGetters[1](ref v); pairs.Add(v.ToString()); }
            }
            if (texts.Count == 0) return;
            foreach (var r in _view._scorer.Score(texts, pairs)) _pending.Enqueue(r);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int nIn = _view._input.Schema.Count;
            if (column.Index < nIn) return _input.GetGetter<TValue>(_view._input.Schema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            var g = _view._scorer.Outputs.Getter(column.Index - nIn, () => _current ?? throw new InvalidOperationException("The cursor is not on a row."));
            return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) { _input.Dispose(); _ahead?.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
