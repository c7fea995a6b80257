using Microsoft.ML.Data;
using MLNetLlm.Data.Balancing;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Tests.Balancing;

/// <summary>SMOTE's neighbour search and interpolation on sparse vectors, against brute force on the dense ones.</summary>
public class SmoteTests
{
    const int Dims = 16;

    static float[][] RandomVectors(int n, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, Dims)
            .Select(_ => rng.NextDouble() < 0.6 ? 0f : (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
    }

    static VBuffer<float> Sparse(float[] v)
    {
        var indices = Enumerable.Range(0, v.Length).Where(i => v[i] != 0).ToArray();
        return new VBuffer<float>(v.Length, indices.Length, indices.Select(i => v[i]).ToArray(), indices);
    }

    static double Dist(float[] a, float[] b) => a.Zip(b).Sum(t => (double)(t.First - t.Second) * (t.First - t.Second));

    static int[] BruteForceNearest(float[][] v, int a, int k) =>
        Enumerable.Range(0, v.Length).Where(j => j != a).OrderBy(j => Dist(v[a], v[j])).ThenBy(j => j).Take(k).ToArray();

    [Fact]
    public void NearestNeighboursOfSparseVectorsAreThoseOfTheDenseVectorsByEuclideanDistance()
    {
        var dense = RandomVectors(25, seed: 5);
        var denseBuffers = dense.Select(v => new VBuffer<float>(Dims, v)).ToArray();
        var sparseBuffers = dense.Select(Sparse).ToArray();
        Assert.All(sparseBuffers, b => Assert.False(b.IsDense));
        var norms = dense.Select(v => v.Sum(x => (double)x * x)).ToArray();
        var scratch = new float[Dims]; // shared across calls, as SMOTE shares it: a stale entry would shift every distance
        foreach (int k in new[] { 1, 4, 24 })
            for (int a = 0; a < dense.Length; a++)
            {
                var expected = BruteForceNearest(dense, a, k);
                Assert.Equal(expected, Smote.Nearest(a, sparseBuffers, norms, k, scratch));
                Assert.Equal(expected, Smote.Nearest(a, denseBuffers, norms, k, scratch));
            }
    }

    [Fact]
    public void SparseSyntheticPointsLieStrictlyBetweenARowAndOneOfItsNeighbours()
    {
        var dense = RandomVectors(12, seed: 9);
        var view = InMemoryDataView.FromColumns(
            ("Id", NumberDataViewType.Int32, Enumerable.Range(0, dense.Length).ToArray()),
            ("Features", new VectorDataViewType(NumberDataViewType.Single, Dims), dense.Select(Sparse).ToArray()));
        const int k = 3;
        // Rows 0-9 get 40 synthetic rows; row 10-11's class is already large enough (nothing to add, and no error for it).
        var groups = new List<(List<int> Rows, int Extra)> { (Enumerable.Range(0, 10).ToList(), 40), (new List<int> { 10 }, 0) };
        var result = Smote.Synthesize(view, "Features", groups, k, new Random(3), "test");
        Assert.Equal(40, result.RowCount);
        var ids = result.GetColumn<int>("Id");
        var points = result.GetColumn<VBuffer<float>>("Features").Select(p => p.DenseValues().ToArray()).ToArray();
        var members = dense.Take(10).ToArray();
        int moved = 0;
        for (int i = 0; i < points.Length; i++)
        {
            int x = ids[i];
            var candidates = BruteForceNearest(members, x, k);
            Assert.Contains(candidates, y => OnSegment(points[i], members[x], members[y]));
            if (Dist(points[i], members[x]) > 1e-4) moved++;
        }
        Assert.True(moved > points.Length / 2, $"only {moved} of {points.Length} synthetic points differ from their source row");
    }

    /// <summary>p = x + u·(y − x) for one u in [0, 1], in every dimension.</summary>
    static bool OnSegment(float[] p, float[] x, float[] y)
    {
        double? u = null;
        for (int d = 0; d < p.Length; d++)
        {
            double span = y[d] - x[d];
            if (Math.Abs(span) < 1e-6) { if (Math.Abs(p[d] - x[d]) > 1e-4) return false; continue; }
            double ud = (p[d] - x[d]) / span;
            if (ud < -1e-4 || ud > 1 + 1e-4) return false;
            if (u != null && Math.Abs(u.Value - ud) > 1e-3) return false;
            u ??= ud;
        }
        return true;
    }
}
