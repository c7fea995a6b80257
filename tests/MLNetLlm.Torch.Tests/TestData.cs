using Microsoft.ML;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Tests;

public sealed class TextRow
{
    public string Text { get; set; } = "";
    public bool Label { get; set; }
}

public sealed class TopicRow
{
    public string Text { get; set; } = "";
    public string Label { get; set; } = "";
}

public sealed class PairRow
{
    public string Sentence1 { get; set; } = "";
    public string Sentence2 { get; set; } = "";
    public float Label { get; set; }
}

/// <summary>Small synthetic text data sets whose labels follow from the words, so a tiny model learns them in seconds.</summary>
internal static class TestData
{
    static readonly string[] Filler = ["the", "a", "we", "it", "today", "really", "some", "very", "and", "then", "with", "our", "their", "this"];
    static readonly string[] Positive = ["great", "wonderful", "excellent", "lovely", "happy"];
    static readonly string[] Negative = ["terrible", "awful", "boring", "horrible", "sad"];
    static readonly Dictionary<string, string[]> Topics = new()
    {
        ["sports"] = ["football", "goal", "match", "team", "score"],
        ["cooking"] = ["recipe", "oven", "garlic", "bake", "soup"],
        ["space"] = ["rocket", "orbit", "planet", "galaxy", "moon"],
    };

    static string Sentence(Random r, string[] keys)
    {
        var words = Enumerable.Range(0, 4).Select(_ => Filler[r.Next(Filler.Length)]).ToList();
        for (int i = 0; i < 3; i++) words.Insert(r.Next(words.Count), keys[r.Next(keys.Length)]);
        return string.Join(' ', words);
    }

    public static List<TextRow> Sentiment(int n, int seed = 1)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(i => new TextRow { Label = i % 2 == 0, Text = Sentence(r, i % 2 == 0 ? Positive : Negative) }).ToList();
    }

    public static List<TopicRow> TopicsData(int n, int seed = 2)
    {
        var r = new Random(seed);
        var names = Topics.Keys.ToArray();
        return Enumerable.Range(0, n).Select(i => new TopicRow { Label = names[i % 3], Text = Sentence(r, Topics[names[i % 3]]) }).ToList();
    }

    /// <summary>Pairs whose score is the number of shared topic (0, 1 or 2: same topic and same sentiment).</summary>
    public static List<PairRow> Pairs(int n, int seed = 3)
    {
        var r = new Random(seed);
        var names = Topics.Keys.ToArray();
        return Enumerable.Range(0, n).Select(i =>
        {
            string t1 = names[r.Next(3)], t2 = r.Next(2) == 0 ? t1 : names[r.Next(3)];
            return new PairRow { Sentence1 = Sentence(r, Topics[t1]), Sentence2 = Sentence(r, Topics[t2]), Label = t1 == t2 ? 1f : 0f };
        }).ToList();
    }

    /// <summary>Pairs scored by how many of the two sentences are about space (0, 1 or 2).</summary>
    public static List<PairRow> SpacePairs(int n, int seed = 4)
    {
        var r = new Random(seed);
        var names = Topics.Keys.ToArray();
        return Enumerable.Range(0, n).Select(i =>
        {
            string t1 = names[r.Next(3)], t2 = names[r.Next(3)];
            return new PairRow { Sentence1 = Sentence(r, Topics[t1]), Sentence2 = Sentence(r, Topics[t2]), Label = (t1 == "space" ? 1 : 0) + (t2 == "space" ? 1 : 0) };
        }).ToList();
    }

    /// <summary>A from-scratch model small enough to train on a few dozen rows in seconds.</summary>
    public static T Tiny<T>(T o) where T : TransformerTrainingOptions
    {
        o.ScratchVocabularySize = 150;
        o.ScratchHiddenSize = 32;
        o.ScratchLayers = 1;
        o.ScratchAttentionHeads = 2;
        o.ScratchIntermediateSize = 64;
        o.MaxLength = 24;
        o.BatchSize = 8;
        o.NumberOfEpochs = 10;
        o.LearningRate = 5e-3;
        o.WarmupFraction = 0.05;
        o.Device = "cpu";
        return o;
    }

    public static IDataView Load<T>(MLContext ml, IEnumerable<T> rows) where T : class => ml.Data.LoadFromEnumerable(rows);
}
