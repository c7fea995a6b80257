using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Compression.Onnx;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Compression;

/// <summary>
/// Scores text with a compressed ONNX model: tokenizes with the model's BERT tokenizer, runs ONNX Runtime in batches
/// and exposes ML.NET's score columns (the same ones the fine-tuning trainer produces).
/// </summary>
internal sealed class CompressedScoring(OnnxSequenceClassifier session, BertTextTokenizer tokenizer, int maxLength,
    string textColumn, string? pairColumn, ScoreColumns outputs, int batchSize)
{
    public OnnxSequenceClassifier Session { get; } = session;
    public BertTextTokenizer Tokenizer { get; } = tokenizer;
    public int MaxLength { get; } = maxLength;
    public string TextColumn { get; } = textColumn;
    public string? PairColumn { get; } = pairColumn;
    public ScoreColumns Outputs { get; } = outputs;
    public int BatchSize { get; } = batchSize;

    /// <summary>Raw head outputs (logits) per text.</summary>
    public float[][] Score(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs)
    {
        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += BatchSize)
        {
            int n = Math.Min(BatchSize, texts.Count - start);
            var batch = Tokenizer.Encode(texts.Skip(start).Take(n).ToArray(), pairs?.Skip(start).Take(n).ToArray(), MaxLength);
            float[] logits = Session.Logits(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, n);
            int k = logits.Length / n;
            for (int i = 0; i < n; i++) result[start + i] = logits.AsSpan(i * k, k).ToArray();
        }
        return result;
    }

    public DataViewSchema.Column[] TextColumns(DataViewSchema input) =>
        (PairColumn is null ? new[] { TextColumn } : [TextColumn, PairColumn]).Select(name =>
        {
            var c = input.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(input), $"Input column '{name}' not found.");
            return c.Type is TextDataViewType ? c : throw new ArgumentOutOfRangeException(nameof(input), $"Column '{name}' must be text (string), not {c.Type}.");
        }).ToArray();

    public DataViewSchema OutputSchema(DataViewSchema input)
    {
        TextColumns(input);
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        Outputs.AddTo(b);
        return b.ToSchema();
    }

    /// <summary>Scores every row of <paramref name="input"/> now and returns the input with the score columns appended.</summary>
    public IDataView Transform(IDataView input)
    {
        var columns = TextColumns(input.Schema);
        var texts = new List<string>();
        var pairs = columns.Length > 1 ? new List<string>() : null;
        using (var cursor = input.GetRowCursor(columns))
        {
            var getters = columns.Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToArray();
            ReadOnlyMemory<char> v = default;
            while (cursor.MoveNext())
            {
                getters[0](ref v);
                texts.Add(v.ToString());
                if (pairs != null) { getters[1](ref v); pairs.Add(v.ToString()); }
            }
        }
        return new ScoredView(input, OutputSchema(input.Schema), Outputs, Score(texts, pairs));
    }

    /// <summary>The input plus score columns read from precomputed head outputs, row i ↔ <c>raw[i]</c>.</summary>
    private sealed class ScoredView(IDataView input, DataViewSchema schema, ScoreColumns outputs, float[][] raw) : IDataView
    {
        private IDataView Input => input;
        private ScoreColumns Outputs => outputs;
        private float[][] Raw => raw;
        public bool CanShuffle => false;
        public DataViewSchema Schema => schema;
        public long? GetRowCount() => raw.Length;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
            int n = input.Schema.Count;
            return new Cursor(this, input.GetRowCursor(needed.Where(i => i < n).Select(i => input.Schema[i])), needed);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(ScoredView view, DataViewRowCursor inner, HashSet<int> active) : DataViewRowCursor
        {
            public override DataViewSchema Schema => view.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
            public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

            public override bool MoveNext()
            {
                if (!inner.MoveNext()) return false;
                if (inner.Position >= view.Raw.Length)
                    throw new InvalidOperationException("The input data view returned more rows than when it was scored; score a cached view.");
                return true;
            }

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                int n = view.Input.Schema.Count;
                if (column.Index < n) return inner.GetGetter<TValue>(view.Input.Schema[column.Index]);
                var g = view.Outputs.Getter(column.Index - n, () => view.Raw[inner.Position]);
                return g as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}, not {typeof(TValue).Name}.");
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
