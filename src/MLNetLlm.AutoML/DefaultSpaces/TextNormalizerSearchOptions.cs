namespace MLNetLlm.AutoML.DefaultSpaces;

/// <summary>
/// The searched switches of MLNetLlm.Data's <c>TextNormalizerOptions</c> (the others keep their defaults): which
/// cleaning variant helps the model is an empirical question, so each is a {false, true} choice.
/// </summary>
public sealed class TextNormalizerSearchOptions
{
    /// <summary>Lower-case the text. Default true.</summary>
    [BooleanChoice] public bool CaseFolding { get; set; } = true;

    /// <summary>Convert HTML to text. Default true.</summary>
    [BooleanChoice] public bool StripHtml { get; set; } = true;

    /// <summary>Drop e-mail headers and decode MIME bodies (keeping the subject). Default false.</summary>
    [BooleanChoice] public bool StripEmailHeaders { get; set; }

    /// <summary>Replace URLs by a token. Default false.</summary>
    [BooleanChoice] public bool MaskUrls { get; set; }

    /// <summary>Replace e-mail addresses by a token. Default false.</summary>
    [BooleanChoice] public bool MaskEmails { get; set; }

    /// <summary>Replace numbers by a token. Default false.</summary>
    [BooleanChoice] public bool MaskNumbers { get; set; }

    /// <summary>Remove Unicode symbols. Default false.</summary>
    [BooleanChoice] public bool RemoveSymbols { get; set; }
}
