namespace MLNetLlm.Data.Safety;

/// <summary>One lexicon term found in a text.</summary>
/// <param name="Term">The term as written in the lexicon.</param>
/// <param name="Action">Its action.</param>
/// <param name="Line">Its line in the lexicon file (1-based; 0 for terms given in code).</param>
/// <param name="Index">Where it starts in the normalized text.</param>
public sealed record LexiconMatch(string Term, SafetyAction Action, int Line, int Index);
