namespace MLNetLlm.Data.Languages;

/// <summary>The language family a text step works in: how words are found and which resources are used.</summary>
public enum TextLanguage
{
    /// <summary>Decide from the script of the text (<see cref="ScriptDetector"/>): Chinese when Han characters dominate, else English.</summary>
    Auto,

    /// <summary>Space-separated words (English and other alphabetic languages): WordNet/English synonyms, word shingles.</summary>
    English,

    /// <summary>Chinese: words found by a segmenter (or one per character), Chinese synonym groups, character shingles.</summary>
    Chinese,
}
