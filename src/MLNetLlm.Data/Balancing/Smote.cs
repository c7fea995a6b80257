using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Balancing;

/// <summary>
/// SMOTE: a synthetic row is x + u·(y − x), x a random row of the class, y one of x's k nearest same-class rows
/// (Euclidean distance in the feature vector, sparse-aware), u uniform in [0, 1). Its other columns are x's.
/// </summary>
internal static class Smote
{
    public static InMemoryDataView Synthesize(InMemoryDataView view, string featureColumn, List<(List<int> Rows, int Extra)> groups, int k, Random rng, string step)
    {
        var features = view.GetColumn<VBuffer<float>>(featureColumn);
        var type = (VectorDataViewType)view.Schema[featureColumn].Type;
        var sources = new List<int>();
        var synthetic = new List<VBuffer<float>>();
        foreach (var (rows, extra) in groups)
        {
            if (extra == 0) continue;
            if (rows.Count < 2)
                throw new InvalidOperationException($"{step}: SMOTE needs at least two rows of a class to interpolate, but a class has {rows.Count}. Use RandomOversample or AugmentOversample for it.");
            int dims = features[rows[0]].Length;
            foreach (int r in rows)
                if (features[r].Length != dims)
                    throw new InvalidOperationException($"{step}: feature column '{featureColumn}' has vectors of different lengths ({dims} and {features[r].Length}, row {r}).");
            var vectors = rows.Select(r => features[r]).ToArray();
            var norms = vectors.Select(v => { double sum = 0; foreach (float x in v.GetValues()) sum += (double)x * x; return sum; }).ToArray();
            var neighbours = new Dictionary<int, int[]>();
            int kk = Math.Min(k, rows.Count - 1);
            var query = new float[dims];
            for (int e = 0; e < extra; e++)
            {
                int a = rng.Next(rows.Count);
                if (!neighbours.TryGetValue(a, out var nn)) neighbours[a] = nn = Nearest(a, vectors, norms, kk, query);
                int b = nn[rng.Next(nn.Length)];
                float u = (float)rng.NextDouble();
                var point = new float[dims];
                vectors[a].CopyTo(point);
                Array.Clear(query);
                vectors[b].CopyTo(query);
                for (int d = 0; d < dims; d++) point[d] += u * (query[d] - point[d]);
                sources.Add(rows[a]);
                synthetic.Add(new VBuffer<float>(dims, point));
            }
        }
        return view.SelectRows(sources).WithColumn(featureColumn, type, synthetic.ToArray());
    }

    /// <summary>The <paramref name="k"/> nearest other rows of row <paramref name="a"/> (ties broken by index, so deterministic); sparse vectors cost their non-zeros.</summary>
    internal static int[] Nearest(int a, VBuffer<float>[] vectors, double[] norms, int k, float[] scratch)
    {
        Array.Clear(scratch);
        vectors[a].CopyTo(scratch);
        var distances = new (double Distance, int Index)[vectors.Length - 1];
        int n = 0;
        for (int j = 0; j < vectors.Length; j++)
        {
            if (j == a) continue;
            double dot = 0;
            var values = vectors[j].GetValues();
            if (vectors[j].IsDense) for (int d = 0; d < values.Length; d++) dot += (double)scratch[d] * values[d];
            else
            {
                var indices = vectors[j].GetIndices();
                for (int t = 0; t < values.Length; t++) dot += (double)scratch[indices[t]] * values[t];
            }
            distances[n++] = (Math.Max(0, norms[a] + norms[j] - 2 * dot), j);
        }
        Array.Sort(distances);
        return distances.Take(k).Select(t => t.Index).ToArray();
    }
}
