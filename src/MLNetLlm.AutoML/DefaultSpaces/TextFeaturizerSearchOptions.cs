using MLNetLlm.AutoML.SearchSpaces;

namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>The searched options of ML.NET's FeaturizeText (word and character n-gram bags).</summary>
public sealed class TextFeaturizerSearchOptions
{
    /// <summary>Longest word n-gram (all shorter ones included); 1–3. Default 1 (ML.NET's FeaturizeText uses 2).</summary>
    [Range(1, 3)]
    public int WordNgramLength { get; set; } = 1;

    /// <summary>Character n-gram length (that length only), or 0 for no character n-grams; 0–5. Default 3 (ML.NET's default).</summary>
    [Choice(0, 2, 3, 4, 5)]
    public int CharNgramLength { get; set; } = 3;

    /// <summary>N-gram weighting: "Tf", "Idf" or "TfIdf". Default "Tf".</summary>
    [Choice("Tf", "Idf", "TfIdf")]
    public string Weighting { get; set; } = "Tf";

    /// <summary>Vector norm: "L2", "L1", "Infinity" or "None". Default "L2".</summary>
    [Choice("L2", "L1", "Infinity", "None")]
    public string Norm { get; set; } = "L2";

    /// <summary>
    /// The most n-grams kept per n-gram length (the most frequent), for words and characters alike; 1,000–10,000,000
    /// on a log scale. Default 10,000. The top, 10,000,000, is ML.NET's own default (in practice no cap), so the space
    /// holds plain <c>FeaturizeText</c>; a corpus with fewer distinct n-grams than the cap is unaffected by it. Tree
    /// trainers slow down with many features, so this matters for them.
    /// </summary>
    [Range(1000, MaximumNgramsCap, logBase: true)]
    public int MaximumNgramsCount { get; set; } = 10000;

    /// <summary>ML.NET's default n-gram cap per length (<c>WordBagEstimator.Options.MaximumNgramsCount</c>).</summary>
    public const int MaximumNgramsCap = 10_000_000;

    /// <summary>Whether English stop words are removed before word n-grams. Default false.</summary>
    [BooleanChoice]
    public bool RemoveStopWords { get; set; }
}
