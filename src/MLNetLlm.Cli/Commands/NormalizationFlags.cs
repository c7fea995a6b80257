using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Commands;

/// <summary>The normalization flags train and clean share: --no-normalize, --strip-email-headers, --mask.</summary>
internal static class NormalizationFlags
{
    /// <summary>The mask names --mask accepts.</summary>
    public static readonly string[] Masks = ["urls", "emails", "numbers"];

    /// <summary>
    /// Applies the flags to <paramref name="options"/> (created when null and a flag needs it); returns null when
    /// <paramref name="off"/> turns normalization off.
    /// </summary>
    public static TextNormalizerOptions? Apply(TextNormalizerOptions? options, bool off, bool stripEmailHeaders, IReadOnlyList<string>? masks)
    {
        masks ??= [];
        if (off)
        {
            if (stripEmailHeaders || masks.Count > 0) throw new CliException("--no-normalize cannot be combined with --strip-email-headers or --mask.");
            return null;
        }
        if (stripEmailHeaders) (options ??= new()).StripEmailHeaders = true;
        foreach (var m in masks)
        {
            options ??= new();
            switch (m)
            {
                case "urls": options.MaskUrls = true; break;
                case "emails": options.MaskEmails = true; break;
                case "numbers": options.MaskNumbers = true; break;
                default: throw new CliException($"--mask must be one of {string.Join(", ", Masks)}, not '{m}'.");
            }
        }
        return options;
    }
}
