using System.ComponentModel;
using System.Text.Json.Serialization;
using MLNetLlm.Data.Cleaning;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Data.Deduplication;

/// <summary>Options of <see cref="Deduplicator"/>. Defaults follow common practice for document near-dup detection (128 permutations, Jaccard 0.8, word 3-grams).</summary>
public sealed class DeduplicationOptions
{
    /// <summary>The text column compared. Default "Text".</summary>
    public string TextColumnName { get; set; } = "Text";

    /// <summary>The former name of <see cref="TextColumnName"/> (ML.NET names column options <c>…ColumnName</c>); kept so existing code compiles.</summary>
    [EditorBrowsable(EditorBrowsableState.Never), JsonIgnore]
    public string TextColumn { get => TextColumnName; set => TextColumnName = value; }

    /// <summary>Exact only, or exact then near duplicates. Default <see cref="DeduplicationMethod.NearDuplicate"/>.</summary>
    public DeduplicationMethod Method { get; set; } = DeduplicationMethod.NearDuplicate;

    /// <summary>MinHash signature length (hash permutations). More: a sharper threshold, slower. Default 128; range 16–512.</summary>
    [Range(16, 512, logBase: true)]
    public int NumPermutations { get; set; } = 128;

    /// <summary>Texts whose shingle sets have Jaccard similarity at least this are near duplicates. Default 0.8; range 0.5–0.99.</summary>
    [Range(0.5, 0.99)]
    public double JaccardThreshold { get; set; } = 0.8;

    /// <summary>
    /// Shingles of words or of characters. Default <see cref="ShingleUnit.Word"/>. In Chinese and Japanese text, which has
    /// no spaces, every ideograph and kana counts as a word, so word shingles there are character shingles of
    /// <see cref="ShingleSize"/> characters (a Latin word or number inside such text is still one word).
    /// </summary>
    [Choice(ShingleUnit.Word, ShingleUnit.Character)]
    public ShingleUnit Shingles { get; set; } = ShingleUnit.Word;

    /// <summary>Shingle length in <see cref="Shingles"/> units. Default 3 (word 3-grams; use 5 for characters); range 1–9.</summary>
    [Range(1, 9)]
    public int ShingleSize { get; set; } = 3;

    /// <summary>Seed of the hash permutations: the same seed and data always keep the same rows. Default 42.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// How texts are normalized before comparing (only for comparing: the kept rows keep their original text). Default:
    /// <see cref="TextNormalizerOptions"/> defaults; null compares the raw text. For raw e-mails set
    /// <see cref="TextNormalizerOptions.StripEmailHeaders"/>, or no two messages are equal (their headers differ).
    /// </summary>
    public TextNormalizerOptions? Normalization { get; set; } = new();

    /// <summary>
    /// The largest share of the rows the step may drop, in (0, 1]. When the duplicates found exceed it, the step throws
    /// (naming the column, the counts and the shingle settings) instead of handing on a gutted data set: settings such
    /// as 1- or 2-character shingles make almost every long text a "near duplicate" of another. Default 1 (no limit);
    /// the AutoML stage uses 0.5, so such settings fail their trial with that message.
    /// </summary>
    public double MaxRemovedFraction { get; set; } = 1.0;

    /// <summary>Threads used for normalizing and hashing; 0: all cores. Results do not depend on it. Default 0.</summary>
    public int MaxDegreeOfParallelism { get; set; }

    /// <summary>A copy of these options.</summary>
    public DeduplicationOptions Clone()
    {
        var copy = (DeduplicationOptions)MemberwiseClone();
        copy.Normalization = Normalization?.Clone();
        return copy;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(TextColumnName)) throw new ArgumentException("DeduplicationOptions.TextColumnName must name a column.", nameof(TextColumnName));
        if (NumPermutations is < 2 or > 4096) throw new ArgumentOutOfRangeException(nameof(NumPermutations), NumPermutations, "NumPermutations must be in 2..4096 (typical 64–256).");
        if (!(JaccardThreshold > 0 && JaccardThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(JaccardThreshold), JaccardThreshold, "JaccardThreshold must be in (0, 1].");
        if (ShingleSize is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(ShingleSize), ShingleSize, "ShingleSize must be in 1..64.");
        if (!(MaxRemovedFraction > 0 && MaxRemovedFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(MaxRemovedFraction), MaxRemovedFraction, "MaxRemovedFraction must be in (0, 1].");
        if (MaxDegreeOfParallelism < 0) throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "MaxDegreeOfParallelism must be 0 (all cores) or more.");
        Normalization?.Validate();
    }
}
