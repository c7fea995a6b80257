using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>Stand-in trainers for experiment tests: a constant "Quality" column computed from the training row count.</summary>
internal static class TestStages
{
    sealed class Input
    {
        public bool Label { get; set; }
    }

    sealed class Output
    {
        public float Quality { get; set; }
    }

    /// <summary>Fits a constant "Quality" column whose value is a function of the number of training rows.</summary>
    internal sealed class RowCountEstimator(MLContext ml, Func<long, float> quality, Action<ITransformer>? onFitted = null, Action? onDispose = null) : IEstimator<ITransformer>
    {
        public ITransformer Fit(IDataView input)
        {
            long n = 0;
            using (var cursor = input.GetRowCursor([]))
                while (cursor.MoveNext()) n++;
            var model = new Marker(Mapping(quality(n)).Fit(input), onDispose);
            onFitted?.Invoke(model);
            return model;
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => Mapping(0).GetOutputSchema(inputSchema);

        IEstimator<ITransformer> Mapping(float q) => ml.Transforms.CustomMapping<Input, Output>((i, o) => o.Quality = q, contractName: null);
    }

    /// <summary>A model that records whether it was disposed.</summary>
    internal sealed class Marker(ITransformer inner, Action? onDispose = null) : ITransformer, IDisposable
    {
        int _disposed;
        public bool IsDisposed => Volatile.Read(ref _disposed) > 0;
        public bool IsRowToRowMapper => inner.IsRowToRowMapper;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);
        public IDataView Transform(IDataView input) => inner.Transform(input);
        public void Save(ModelSaveContext ctx) => throw new NotSupportedException();
        public void Dispose()
        {
            Interlocked.Increment(ref _disposed);
            onDispose?.Invoke();
        }
    }
}
