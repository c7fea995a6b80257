namespace MLNetLlm.Explanations;

/// <summary>One input feature (an n-gram slot, a token or a word) and its contribution to the explained output.</summary>
/// <param name="Name">The feature: an n-gram as text (<c>word: free money</c>, <c>chars: fre</c>), a WordPiece token, or a word.</param>
/// <param name="Weight">Its contribution, in the units of the explained output (positive pushes the output up).</param>
public sealed record FeatureWeight(string Name, double Weight);
