using System.Text.Json.Serialization;
using MLNetLlm.SearchSpaces;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// Options of <see cref="WordSegmentationTransformer"/> (jieba word segmentation). Defaults are jieba's own: precise mode,
/// HMM on for words not in the dictionary. <see cref="Mode"/> and <see cref="UseHmm"/> are searched by AutoML.
/// </summary>
public sealed class WordSegmentationOptions
{
    /// <summary>Precise (each character in one word) or search (plus dictionary sub-words). Default <see cref="SegmentationMode.Precise"/>.</summary>
    [Choice(SegmentationMode.Precise, SegmentationMode.Search)]
    public SegmentationMode Mode { get; set; } = SegmentationMode.Precise;

    /// <summary>Let jieba's hidden Markov model join runs of single characters that are not in the dictionary into new words (names, slang). Default true.</summary>
    [BooleanChoice]
    public bool UseHmm { get; set; } = true;

    /// <summary>
    /// A jieba user dictionary (one <c>word [frequency] [tag]</c> per line, UTF-8; <c>#</c> comments) whose words are kept
    /// whole. It is read when the estimator is created and saved inside the model file. Note: jieba.NET has one dictionary
    /// per process, so the words also apply to every other segmenter in the process. Default null.
    /// </summary>
    public string? UserDictionaryPath { get; set; }

    /// <summary>Words joined into one text (default) or a vector of words.</summary>
    public WordSegmentationOutput Output { get; set; } = WordSegmentationOutput.Text;

    /// <summary>With <see cref="WordSegmentationOutput.Text"/>: what joins the words. Default one space. Must be non-empty white space or punctuation that the words do not contain.</summary>
    public string Separator { get; set; } = " ";

    /// <summary>Drop words that are only punctuation or symbols (，。！“” …). Default false (they stay words of their own).</summary>
    [BooleanChoice]
    public bool RemovePunctuation { get; set; }

    /// <summary>A copy of these options.</summary>
    public WordSegmentationOptions Clone() => (WordSegmentationOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "WordSegmentationOptions.Mode must be Precise or Search.");
        if (!Enum.IsDefined(Output)) throw new ArgumentOutOfRangeException(nameof(Output), Output, "WordSegmentationOptions.Output must be Text or Tokens.");
        if (string.IsNullOrEmpty(Separator)) throw new ArgumentException("WordSegmentationOptions.Separator must not be empty (a space lets FeaturizeText see the words).", nameof(Separator));
        if (Separator.Any(char.IsLetterOrDigit)) throw new ArgumentException($"WordSegmentationOptions.Separator '{Separator}' contains a letter or digit; it would merge with the words.", nameof(Separator));
        if (UserDictionaryPath != null && string.IsNullOrWhiteSpace(UserDictionaryPath)) throw new ArgumentException("WordSegmentationOptions.UserDictionaryPath is blank; use null for none.", nameof(UserDictionaryPath));
    }

    /// <summary>Short description for logs (e.g. "jieba-precise,hmm").</summary>
    [JsonIgnore]
    public string Summary => $"jieba-{Mode.ToString().ToLowerInvariant()}{(UseHmm ? ",hmm" : "")}{(RemovePunctuation ? ",no-punct" : "")}{(UserDictionaryPath != null ? ",user-dict" : "")}";
}
