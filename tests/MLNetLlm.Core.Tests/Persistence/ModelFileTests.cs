using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.DataViews;
using MLNetLlm.Persistence;

namespace MLNetLlm.Core.Tests.Persistence;

/// <summary>A stateful transformer ML.NET cannot save: adds a learned constant to a float column.</summary>
public sealed class AddConstantTransformer(string column, float constant) : IPersistentTransformer
{
    public float Constant => constant;
    public bool IsRowToRowMapper => false;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumns(inputSchema.Where(c => c.Name != column));
        b.AddColumn(column, NumberDataViewType.Single);
        return b.ToSchema();
    }

    public IDataView Transform(IDataView input)
    {
        var mem = InMemoryDataView.Materialize(input);
        return mem.WithColumn(column, NumberDataViewType.Single, mem.GetColumn<float>(column).Select(v => v + constant).ToArray());
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();

    public void SaveTo(string directory) =>
        File.WriteAllText(Path.Combine(directory, "state.json"), JsonSerializer.Serialize(new[] { column, constant.ToString("R") }));

    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        var s = JsonSerializer.Deserialize<string[]>(File.ReadAllText(Path.Combine(directory, "state.json")))!;
        return new AddConstantTransformer(s[0], float.Parse(s[1]));
    }
}

public sealed class NoLoaderTransformer : IPersistentTransformer
{
    public bool IsRowToRowMapper => false;
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
    public IDataView Transform(IDataView input) => input;
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException();
    public void SaveTo(string directory) { }
}

public sealed class ModelFileTests
{
    sealed class In { public float X { get; set; } public string Text { get; set; } = ""; }

    static string TempFile() => Path.Combine(Path.GetTempPath(), $"model-{Guid.NewGuid():N}.mlnetllm");

    [Fact]
    public void MixedChainRoundTripsWithIdenticalOutput()
    {
        var ml = new MLContext(7);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new In { X = i, Text = "t" + i }));
        var first = ml.Transforms.NormalizeMinMax("X").Fit(data);
        var custom = new AddConstantTransformer("X", 10);
        var afterCustom = custom.Transform(first.Transform(data));
        var last = ml.Transforms.Text.FeaturizeText("F", "Text").Append(ml.Transforms.NormalizeMeanVariance("X")).Fit(afterCustom);
        ITransformer model = new TransformerChain<ITransformer>(first, new TransformerChain<ITransformer>(custom, last));
        LlmModelOperations.RegisterComponent<AddConstantTransformer>(); // a component from outside MLNetLlm's assemblies

        string path = TempFile();
        try
        {
            ml.Llm().Model.Save(model, data.Schema, path, new Dictionary<string, string> { ["task"] = "test" });
            var fresh = new MLContext(99);
            var loaded = fresh.Llm().Model.Load(path, out var schema);
            Assert.Equal(data.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
            Assert.Equal("test", fresh.Llm().Model.ReadMetadata(path)["task"]);

            float[] Xs(ITransformer m) => m.Transform(data).GetColumn<float>("X").ToArray();
            Assert.Equal(Xs(model), Xs(loaded));
            var f1 = model.Transform(data).GetColumn<VBuffer<float>>("F").Select(v => v.DenseValues().ToArray()).ToList();
            var f2 = loaded.Transform(data).GetColumn<VBuffer<float>>("F").Select(v => v.DenseValues().ToArray()).ToList();
            Assert.Equal(f1, f2);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void PureMlNetModelWorksWithPredictionEngineAfterReload()
    {
        var ml = new MLContext(7);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new In { X = i, Text = "t" }));
        var model = ml.Transforms.NormalizeMinMax("X").Fit(data);
        string path = TempFile();
        try
        {
            ml.Llm().Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Llm().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<In, In>(loaded);
            AssertClose.Equal(0.5f, engine.Predict(new In { X = 4.5f }).X, abs: 1e-5);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadFilesAndComponentsAreClearErrors()
    {
        var ml = new MLContext();
        Assert.Contains("does not exist", Assert.Throws<ModelFileException>(() => ml.Llm().Model.Load("/no/model.zip", out _)).Message);
        string path = TempFile();
        try
        {
            File.WriteAllText(path, "not a zip");
            Assert.Contains("not a zip", Assert.Throws<ModelFileException>(() => ml.Llm().Model.Load(path, out _)).Message);
            var data = ml.Data.LoadFromEnumerable(new[] { new In() });
            var ex = Assert.Throws<ModelFileException>(() => ml.Llm().Model.Save(new NoLoaderTransformer(), data.Schema, path));
            Assert.Contains("LoadFrom", ex.Message);
        }
        finally { File.Delete(path); }
    }
}
