using System.Numerics;
using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// The points of a grid over a (possibly conditional) search space, numbered 0 … <see cref="Count"/> − 1 without
/// repeats: a range contributes its <c>step</c> evenly spaced points and a choice its values, minus points that give
/// the same value (a whole-number range with fewer values than <c>step</c>); a nested space is the product of its
/// options; a one-of option is the sum of its branches, each with its own points only (the coordinates of the branches
/// not picked stay at 0.5 and are never enumerated, so no two numbers map to the same parameter). Point i is
/// <see cref="PointAt"/>(i), a unit-hypercube vector; the last option varies fastest.
/// </summary>
internal sealed class GridPlan
{
    readonly Node _root;
    readonly int _dimension;

    public GridPlan(SearchSpace space, int step)
    {
        _dimension = space.FeatureSpaceDim;
        _root = Build(space, 0, step);
        Count = _root.Count;
    }

    /// <summary>The number of distinct grid points.</summary>
    public BigInteger Count { get; }

    /// <summary>The unit-hypercube vector of point <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public double[] PointAt(BigInteger index)
    {
        if (index < 0 || index >= Count) throw new ArgumentOutOfRangeException(nameof(index));
        var x = new double[_dimension];
        Array.Fill(x, 0.5);
        _root.Fill(index, x);
        return x;
    }

    static Node Build(SearchSpaceOption option, int offset, int step)
    {
        switch (option)
        {
            case SearchSpace space:
            {
                var children = new List<Node>();
                int at = offset;
                foreach (var (_, child) in space)
                {
                    children.Add(Build(child, at, step));
                    at += child.FeatureSpaceDim;
                }
                return new Product(children.ToArray());
            }
            case OneOfOption oneOf:
            {
                var names = oneOf.BranchNames;
                var branches = new Node[names.Count];
                int at = offset + 1; // the first coordinate picks the branch
                for (int b = 0; b < names.Count; b++)
                {
                    branches[b] = Build(oneOf[names[b]], at, step);
                    at += oneOf[names[b]].FeatureSpaceDim;
                }
                return new Sum(offset, branches);
            }
            default:
                if (option.FeatureSpaceDim != 1)
                    throw new NotSupportedException($"The grid cannot enumerate a {option.GetType().Name} of {option.FeatureSpaceDim} coordinates.");
                return Leaf.Of(option, offset, step);
        }
    }

    abstract class Node
    {
        public abstract BigInteger Count { get; }
        public abstract void Fill(BigInteger index, double[] x);
    }

    /// <summary>One coordinate: its distinct grid values.</summary>
    sealed class Leaf(int offset, double[] values) : Node
    {
        public override BigInteger Count { get; } = values.Length;

        public override void Fill(BigInteger index, double[] x) => x[offset] = values[(int)index];

        public static Leaf Of(SearchSpaceOption option, int offset, int step)
        {
            int levels = option.DimensionLevels[0];
            var candidates = levels > 0
                ? Enumerable.Range(0, levels).Select(j => (j + 0.5) / levels)
                : step == 1 ? [0.5] : Enumerable.Range(0, step).Select(j => (double)j / (step - 1));
            var seen = new HashSet<Parameter>();
            var distinct = candidates.Where(u => seen.Add(option.SampleFromFeatureSpace([u]))).ToArray();
            return new Leaf(offset, distinct);
        }
    }

    /// <summary>Options side by side: every combination (the last option varies fastest).</summary>
    sealed class Product(Node[] children) : Node
    {
        public override BigInteger Count { get; } = children.Aggregate(BigInteger.One, (a, c) => a * c.Count);

        public override void Fill(BigInteger index, double[] x)
        {
            for (int i = children.Length - 1; i >= 0; i--)
            {
                var c = children[i].Count;
                children[i].Fill(BigInteger.Remainder(index, c), x);
                index = BigInteger.Divide(index, c);
            }
        }
    }

    /// <summary>A one-of option: the points of branch 0, then those of branch 1, …</summary>
    sealed class Sum(int choiceOffset, Node[] branches) : Node
    {
        public override BigInteger Count { get; } = branches.Aggregate(BigInteger.Zero, (a, c) => a + c.Count);

        public override void Fill(BigInteger index, double[] x)
        {
            for (int b = 0; b < branches.Length; b++)
            {
                if (index < branches[b].Count)
                {
                    x[choiceOffset] = (b + 0.5) / branches.Length;
                    branches[b].Fill(index, x);
                    return;
                }
                index -= branches[b].Count;
            }
            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }
}
