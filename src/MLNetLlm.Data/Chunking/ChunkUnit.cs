namespace MLNetLlm.Data.Chunking;

/// <summary>What <see cref="ChunkingOptions.MaxTokens"/> and <see cref="ChunkingOptions.Overlap"/> count.</summary>
public enum ChunkUnit
{
    /// <summary>Tokenizer tokens: <see cref="ChunkingOptions.Tokenizer"/>, a WordPiece vocabulary, or word-or-non-word runs (the default; a Chinese sentence without spaces is one run).</summary>
    Token,

    /// <summary>Characters: every visible character (a code point with its combining marks) counts one; white space counts nothing. The natural unit for Chinese.</summary>
    Character,

    /// <summary>Words of <see cref="ChunkingOptions.Segmenter"/> (e.g. MLNetLlm.Chinese's jieba); without one, <see cref="Languages.CharacterWordSegmenter"/> (a Han character or a Latin word each).</summary>
    Word,
}
