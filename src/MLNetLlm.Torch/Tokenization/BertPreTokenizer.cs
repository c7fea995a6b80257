using System.Globalization;
using Microsoft.ML.Tokenizers;

namespace MLNetLlm.Torch.Tokenization;

/// <summary>
/// BERT's basic-tokenizer split (as HF's <c>BertPreTokenizer</c>): runs of non-whitespace are words, and every
/// punctuation character — ASCII non-alphanumerics and Unicode P* categories — is a word of its own. Unlike
/// Microsoft.ML.Tokenizers' default <c>\w+|\p{P}</c> split it keeps symbols (<c>$</c>, <c>+</c>, emoji) so they map to
/// vocabulary entries or <c>[UNK]</c> instead of vanishing.
/// </summary>
internal sealed class BertPreTokenizer : PreTokenizer
{
    public static readonly BertPreTokenizer Instance = new();

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsSpan());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    static List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var result = new List<(int, int)>();
        int start = -1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                if (start >= 0) { result.Add((start, i - start)); start = -1; }
            }
            else if (IsPunctuation(c))
            {
                if (start >= 0) { result.Add((start, i - start)); start = -1; }
                result.Add((i, 1));
            }
            else if (start < 0) start = i;
        }
        if (start >= 0) result.Add((start, text.Length - start));
        return result;
    }

    /// <summary>BERT's <c>_is_punctuation</c>.</summary>
    internal static bool IsPunctuation(char c)
    {
        if (c is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~') return true;
        return char.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }
}
