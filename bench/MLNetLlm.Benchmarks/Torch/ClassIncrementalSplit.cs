using MLNetLlm.IO;

namespace MLNetLlm.Benchmarks.Torch;

/// <summary>
/// A class-incremental pair of tasks from one multiclass table: task A holds only the rows of the labels in group A,
/// task B only those of group B, and one classifier over the union of the labels (A's first, then B's, in the order
/// given) learns A, then B. Rows are sampled per label (seeded, as evenly as the label's rows allow), so each task is
/// balanced over its own labels.
/// </summary>
internal sealed class ClassIncrementalSplit
{
    ClassIncrementalSplit(string[] groupA, string[] groupB)
    {
        GroupA = groupA;
        GroupB = groupB;
        Labels = [.. groupA, .. groupB];
    }

    /// <summary>Task A's labels, in the order given.</summary>
    public IReadOnlyList<string> GroupA { get; }

    /// <summary>Task B's labels, in the order given.</summary>
    public IReadOnlyList<string> GroupB { get; }

    /// <summary>Every label the classifier knows: A's, then B's (the key order of the label column).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>
    /// Two disjoint, non-empty label groups. <paramref name="optionA"/> and <paramref name="optionB"/> name the options
    /// the groups came from, for the error messages.
    /// </summary>
    public static ClassIncrementalSplit Create(IReadOnlyList<string> groupA, IReadOnlyList<string> groupB, string optionA = "group A", string optionB = "group B")
    {
        string[] Clean(IReadOnlyList<string> group, string option)
        {
            var labels = group.Select(l => l.Trim()).ToArray();
            if (labels.Length == 0 || labels.Any(l => l.Length == 0)) throw new ArgumentException($"{option} needs one or more non-empty labels.");
            var twice = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (twice != null) throw new ArgumentException($"{option} names label '{twice.Key}' twice.");
            return labels;
        }
        var a = Clean(groupA, optionA);
        var b = Clean(groupB, optionB);
        var both = a.Intersect(b, StringComparer.Ordinal).FirstOrDefault();
        if (both != null) throw new ArgumentException($"Label '{both}' is in both {optionA} and {optionB}; the groups must be disjoint.");
        return new ClassIncrementalSplit(a, b);
    }

    /// <summary>
    /// Up to <paramref name="rows"/> rows of task A (<paramref name="taskB"/> false) or B from <paramref name="table"/>:
    /// rows / k of each of the group's k labels (the first rows % k labels one more), fewer where a label has fewer, then
    /// shuffled. Deterministic for a seed. A label of the group with no row in the table is an error naming the file.
    /// </summary>
    public (string[] Texts, string[] Labels) Pick(DelimitedTable table, bool taskB, int rows, int seed, string labelColumn = "Label", string textColumn = "Text")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        var labels = table.Column(labelColumn);
        var texts = table.Column(textColumn);
        var group = taskB ? GroupB : GroupA;
        var random = new Random(seed);
        var picked = new List<int>();
        for (int g = 0; g < group.Count; g++)
        {
            var idx = Enumerable.Range(0, labels.Length).Where(i => labels[i] == group[g]).ToArray();
            if (idx.Length == 0)
                throw new DataFileException(table.Source, $"'{table.Source}': label '{group[g]}' of task {(taskB ? "B" : "A")} has no rows in column {labelColumn}.", column: labelColumn);
            random.Shuffle(idx);
            picked.AddRange(idx.Take(rows / group.Count + (g < rows % group.Count ? 1 : 0)));
        }
        var all = picked.ToArray();
        random.Shuffle(all);
        return (all.Select(i => texts[i]).ToArray(), all.Select(i => labels[i]).ToArray());
    }
}
