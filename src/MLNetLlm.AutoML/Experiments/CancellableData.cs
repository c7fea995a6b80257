using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Makes a trial's row reading stop when its token fires. ML.NET trainers check the context's cancel flag only at
/// some points (LightGBM between boosting rounds, not while it copies rows into its native dataset; SDCA not at all),
/// but every trainer reads its rows through a cursor: a cursor whose <c>MoveNext</c> throws
/// <see cref="OperationCanceledException"/> once the token fires stops them in whichever phase reads rows. Estimators
/// are wrapped so that they fit on such a view; the fitted transformers are the estimators' own (nothing of the
/// wrapper stays in the model).
/// </summary>
internal static class CancellableData
{
    /// <summary>The estimator, fitting on a view of its input that stops at <paramref name="token"/> (itself when the token cannot fire).</summary>
    public static IEstimator<ITransformer> Wrap(IEstimator<ITransformer> estimator, CancellationToken token) =>
        token.CanBeCanceled ? new Estimator(estimator, token) : estimator;

    /// <summary>A view of <paramref name="data"/> whose cursors throw once <paramref name="token"/> fires (itself when the token cannot fire).</summary>
    public static IDataView Wrap(IDataView data, CancellationToken token) =>
        !token.CanBeCanceled || data is View v && v.Token == token ? data : new View(data, token);

    sealed class Estimator(IEstimator<ITransformer> inner, CancellationToken token) : IEstimator<ITransformer>
    {
        public ITransformer Fit(IDataView input)
        {
            token.ThrowIfCancellationRequested();
            return inner.Fit(Wrap(input, token));
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inner.GetOutputSchema(inputSchema);
    }

    sealed class View(IDataView inner, CancellationToken token) : IDataView
    {
        public CancellationToken Token => token;
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            token.ThrowIfCancellationRequested();
            return new Cursor(inner.GetRowCursor(columnsNeeded, rand), token);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        {
            token.ThrowIfCancellationRequested();
            return inner.GetRowCursorSet(columnsNeeded, n, rand).Select(c => (DataViewRowCursor)new Cursor(c, token)).ToArray();
        }
    }

    sealed class Cursor(DataViewRowCursor inner, CancellationToken token) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;
        public override long Position => inner.Position;
        public override long Batch => inner.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => inner.GetGetter<TValue>(column);
        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool MoveNext()
        {
            token.ThrowIfCancellationRequested();
            return inner.MoveNext();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
