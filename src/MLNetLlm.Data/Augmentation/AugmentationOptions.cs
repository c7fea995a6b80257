using System.ComponentModel;
using System.Text.Json.Serialization;
using MLNetLlm.Data.Languages;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Augmentation;

/// <summary>
/// Options of <see cref="TextAugmenter"/> (EDA). Each rate α is the largest share of a text's words one edit may touch:
/// ⌊α·n⌋ words replaced, inserted or deleted, or ⌊α·n/2⌋ swaps, for a text of n words. A rate of 0 turns that edit
/// off. Defaults follow the EDA paper (α = 0.1, 4 augmentations per row). Chinese text (by <see cref="Language"/>, or
/// detected per row from its script) is edited on its segmented words (<see cref="Segmenter"/>), with Chinese synonyms
/// from <see cref="ChineseSynonymFile"/>; n then counts words, not punctuation.
/// </summary>
public sealed class AugmentationOptions
{
    /// <summary>The text column to augment. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The former name of <see cref="TextColumnName"/> (ML.NET names column options <c>…ColumnName</c>); kept so existing code compiles.</summary>
    [EditorBrowsable(EditorBrowsableState.Never), JsonIgnore]
    public string TextColumn { get => TextColumnName; set => TextColumnName = value; }

    /// <summary>Synonym replacement rate α. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.5)]
    public double SynonymReplacementRate { get; set; } = 0.1;

    /// <summary>Random insertion rate α. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.5)]
    public double RandomInsertionRate { get; set; } = 0.1;

    /// <summary>Random swap rate α. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.5)]
    public double RandomSwapRate { get; set; } = 0.1;

    /// <summary>Random deletion rate α. Default 0.1; range 0–0.5.</summary>
    [Range(0.0, 0.5)]
    public double RandomDeletionRate { get; set; } = 0.1;

    /// <summary>New rows made from each input row (the edits with a rate above 0 take turns). Default 4; range 1–16.</summary>
    [Range(1, 16)]
    public int AugmentationsPerRow { get; set; } = 4;

    /// <summary>Seed: the same seed and data always give the same augmented rows. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>A WordNet 3.x "dict" folder (data.noun, …), e.g. /usr/share/wordnet. Null: <see cref="SynonymFile"/> or the bundled list.</summary>
    public string? WordNetPath { get; set; }

    /// <summary>A synonym-group file (see <see cref="SynonymDictionary.Load"/>). Null: the bundled list (unless <see cref="WordNetPath"/> is set).</summary>
    public string? SynonymFile { get; set; }

    /// <summary>
    /// The language of the texts: <see cref="TextLanguage.Auto"/> (default) decides per row from its script
    /// (<see cref="ScriptDetector"/>), so English rows are edited exactly as before and Chinese rows on their words.
    /// </summary>
    public TextLanguage Language { get; set; } = TextLanguage.Auto;

    /// <summary>
    /// Chinese synonym groups for Chinese rows (see <see cref="SynonymDictionary.Load"/>: one group per line, words
    /// separated by commas, tabs or — for Chinese — spaces; HIT Tongyici Cilin lines such as <c>Aa01A05= 匹夫 个人</c> are
    /// read too, '=' groups only). Null: Chinese rows get no synonym replacement or insertion (swap and deletion still run).
    /// </summary>
    public string? ChineseSynonymFile { get; set; }

    /// <summary>
    /// How Chinese rows are split into words: MLNetLlm.Chinese's jieba segmenter, or any <see cref="IWordSegmenter"/>.
    /// Null: <see cref="CharacterWordSegmenter"/> (one word per Han character).
    /// </summary>
    [JsonIgnore]
    public IWordSegmenter? Segmenter { get; set; }

    /// <summary>Only augment rows whose label (in <see cref="LabelColumn"/>) is one of these; null: every row.</summary>
    public IReadOnlyList<string>? OnlyLabels { get; set; }

    /// <summary>The label column for <see cref="OnlyLabels"/>. Default "Label".</summary>
    public string LabelColumn { get; set; } = "Label";

    /// <summary>A copy of these options.</summary>
    public AugmentationOptions Clone() => (AugmentationOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TextColumnName)) throw new ArgumentException("AugmentationOptions.TextColumnName must name a column.", nameof(TextColumnName));
        foreach (var (name, rate) in new[] { (nameof(SynonymReplacementRate), SynonymReplacementRate), (nameof(RandomInsertionRate), RandomInsertionRate), (nameof(RandomSwapRate), RandomSwapRate), (nameof(RandomDeletionRate), RandomDeletionRate) })
            if (!(rate >= 0 && rate <= 1)) throw new ArgumentOutOfRangeException(name, rate, $"{name} must be in 0..1 (typical 0.05–0.3).");
        if (SynonymReplacementRate + RandomInsertionRate + RandomSwapRate + RandomDeletionRate <= 0)
            throw new ArgumentException("AugmentationOptions: every rate is 0, so no edit would be made.");
        if (!Enum.IsDefined(Language)) throw new ArgumentOutOfRangeException(nameof(Language), Language, "AugmentationOptions.Language must be Auto, English or Chinese.");
        if (AugmentationsPerRow is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(AugmentationsPerRow), AugmentationsPerRow, "AugmentationsPerRow must be in 1..1000 (typical 1–16).");
    }
}
