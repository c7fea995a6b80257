using Microsoft.ML.Data;
using MLNetLlm.DataViews;

namespace MLNetLlm.AutoML.Tests.Experiments;

/// <summary>Small seeded spam-like text data: Label (bool), Text, Group.</summary>
internal static class TextData
{
    static readonly string[] Spam = ["free", "winner", "cash", "offer", "click", "prize", "cheap", "urgent"];
    static readonly string[] Ham = ["meeting", "report", "lunch", "project", "schedule", "team", "draft", "review"];
    static readonly string[] Common = ["the", "a", "you", "we", "today", "please", "about", "with", "and", "for"];

    public static InMemoryDataView Make(int rows, int seed, double noise = 0.15)
    {
        var rng = new Random(seed);
        var labels = new bool[rows];
        var texts = new ReadOnlyMemory<char>[rows];
        var groups = new ReadOnlyMemory<char>[rows];
        for (int i = 0; i < rows; i++)
        {
            bool spam = rng.NextDouble() < 0.4;
            var words = new List<string>();
            int n = rng.Next(6, 14);
            for (int w = 0; w < n; w++)
            {
                double r = rng.NextDouble();
                var pool = r < 0.45 ? Common : (r < 0.45 + (1 - noise) * 0.55) == spam ? Spam : Ham;
                words.Add(pool[rng.Next(pool.Length)]);
            }
            labels[i] = spam;
            texts[i] = string.Join(' ', words).AsMemory();
            groups[i] = $"g{i / 2}".AsMemory();
        }
        return InMemoryDataView.FromColumns(
            ("Label", BooleanDataViewType.Instance, labels),
            ("Text", TextDataViewType.Instance, texts),
            ("Group", TextDataViewType.Instance, groups));
    }
}
