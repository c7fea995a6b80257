namespace MLNetLlm.Data.Languages;

/// <summary>
/// Splits a text into words. MLNetLlm.Data uses it to find the words of Chinese text (augmentation, chunking);
/// MLNetLlm.Chinese provides a dictionary-based one (jieba), and <see cref="CharacterWordSegmenter"/> is the fallback.
/// </summary>
/// <remarks>Implementations must be thread-safe: steps call <see cref="Segment"/> from several threads at once.</remarks>
public interface IWordSegmenter
{
    /// <summary>A short name for reports (e.g. "jieba-precise").</summary>
    string Name { get; }

    /// <summary>
    /// The words of <paramref name="text"/> as (start, length) ranges, in text order, not overlapping, never covering white
    /// space; punctuation and symbols are words of their own. An empty text gives no words.
    /// </summary>
    IReadOnlyList<(int Start, int Length)> Segment(string text);
}
