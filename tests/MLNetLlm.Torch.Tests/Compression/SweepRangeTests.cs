using System.Reflection;
using MLNetLlm.SearchSpaces;
using MLNetLlm.Torch.Compression;
using MLNetLlm.Torch.Compression.Distillation;
using MLNetLlm.Torch.Compression.Pruning;

namespace MLNetLlm.Torch.Tests.Compression;

/// <summary>
/// What an AutoML sweep over the compression options will propose: every corner of the declared [Range]/[Choice]
/// space must validate, fit and score (sampling inside the ranges is tested in MLNetLlm.AutoML.Tests).
/// </summary>
public sealed class SweepRangeTests(TinyClassifierFixture fixture) : IClassFixture<TinyClassifierFixture>
{
    /// <summary>Sets every swept property of <paramref name="options"/> to the low (or high) end of its declared range or choice list.</summary>
    static T Corner<T>(T options, bool high) where T : CompressionOptions
    {
        int swept = 0;
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (p.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                double v = high ? range.Max : range.Min;
                p.SetValue(options, type == typeof(int) ? (object)(int)v : v);
                swept++;
            }
            else if (p.GetCustomAttribute<ChoiceAttribute>() is { } choice)
            {
                p.SetValue(options, high ? choice.Values[^1] : choice.Values[0]);
                swept++;
            }
        }
        Assert.True(swept >= 3, $"{typeof(T).Name} declares only {swept} swept options.");
        return options;
    }

    void FitsAndScores(CompressedTextClassificationTransformer model)
    {
        using (model)
        {
            var scores = TinyClassifierFixture.Column(model.Transform(fixture.Data), "Score");
            Assert.Equal(48, scores.Length);
            Assert.All(scores, s => Assert.True(float.IsFinite(s)));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DistillationFitsAtEveryCornerOfItsSweepSpace(bool high)
    {
        var o = Corner(new DistillationOptions { Device = "cpu", BatchSize = 16, NumberOfEpochs = 1 }, high);
        FitsAndScores(fixture.Context.Llm().Distill(fixture.Model, o).Fit(fixture.Data));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PruningFitsAtEveryCornerOfItsSweepSpace(bool high)
    {
        var o = Corner(new PruningOptions { Device = "cpu", BatchSize = 16 }, high);
        FitsAndScores(fixture.Context.Llm().Prune(fixture.Model, o).Fit(fixture.Data));
    }
}
