using System.Reflection;
using MLNetLlm.AutoML.SearchSpaces;
using RangeAttribute = MLNetLlm.SearchSpaces.RangeAttribute;

namespace MLNetLlm.AutoML.Tests.SearchSpaces;

/// <summary>Checks that an options class's [Range]/[Choice] attributes make a valid space (shared with the AutoML.Torch tests).</summary>
internal static class DeclaredRanges
{
    public static void SamplesStayInside<T>(params string[] mustInclude) where T : class, new()
    {
        var declared = typeof(T).GetProperties()
            .Where(p => p.GetCustomAttribute<RangeAttribute>() != null || p.GetCustomAttribute<MLNetLlm.SearchSpaces.ChoiceAttribute>() != null
                        || p.GetCustomAttribute<MLNetLlm.SearchSpaces.BooleanChoiceAttribute>() != null)
            .Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var space = new SearchSpace<T>();
        space.EnsureSearchable();
        Assert.Equal(declared, space.Keys);
        Assert.All(mustInclude, k => Assert.Contains(k, declared));
        // The space's default point is the class's own defaults (where they lie in the declared range, in the member's precision).
        var defaults = new T();
        var fromSpace = space.Default.AsType<T>();
        foreach (var prop in typeof(T).GetProperties())
        {
            var range = prop.GetCustomAttribute<RangeAttribute>();
            if (range == null || prop.GetValue(defaults) is not { } own) continue;
            double v = Convert.ToDouble(own);
            bool inRange = own is float f ? f >= (float)range.Min && f <= (float)range.Max : v >= range.Min && v <= range.Max;
            if (inRange) Assert.True(Equals(own, prop.GetValue(fromSpace)), $"{typeof(T).Name}.{prop.Name}: default {own}, space default {prop.GetValue(fromSpace)}");
        }
        var rng = new Random(3);
        for (int i = 0; i < 50; i++)
        {
            var point = Enumerable.Range(0, space.FeatureSpaceDim).Select(_ => rng.NextDouble()).ToArray();
            var options = space.SampleOptions(point);
            foreach (var prop in typeof(T).GetProperties())
            {
                var range = prop.GetCustomAttribute<RangeAttribute>();
                if (range == null) continue;
                double v = Convert.ToDouble(prop.GetValue(options));
                Assert.InRange(v, range.Min, range.Max);
                if (range.IsInteger) Assert.Equal(Math.Round(v), v);
            }
        }
    }
}
