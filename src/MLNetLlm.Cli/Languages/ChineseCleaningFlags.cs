using System.CommandLine;
using MLNetLlm.Data.Cleaning;

namespace MLNetLlm.Cli.Languages;

/// <summary>
/// <c>clean</c>'s options for Chinese text (all off by default): <c>--strip-ansi</c>, <c>--width half|full</c> and
/// <c>--punctuation ascii|zh</c>, mapped onto <see cref="TextNormalizerOptions"/>.
/// </summary>
internal sealed class ChineseCleaningFlags
{
    public Option<bool> StripAnsi { get; } = new("--strip-ansi") { Description = "Remove terminal escape sequences (colours, cursor moves) and apply backspaces." };

    public Option<string?> Width { get; } = new("--width") { Description = "half: full-width letters, digits and punctuation to ASCII; full: ASCII to full-width." };

    public Option<string?> Punctuation { get; } = new("--punctuation") { Description = "ascii: Chinese punctuation (，。「」…) to ASCII; zh: ASCII punctuation after Chinese characters to Chinese." };

    public ChineseCleaningFlags()
    {
        Width.AcceptOnlyFromAmong("half", "full");
        Punctuation.AcceptOnlyFromAmong("ascii", "zh");
    }

    public IEnumerable<Option> All => [StripAnsi, Width, Punctuation];

    /// <summary>Sets the options' switches; with normalization off (<c>--no-normalize</c>) any of them is an error naming it.</summary>
    public TextNormalizerOptions? Apply(System.CommandLine.ParseResult parse, TextNormalizerOptions? options)
    {
        bool ansi = parse.GetValue(StripAnsi);
        string? width = parse.GetValue(Width), punctuation = parse.GetValue(Punctuation);
        if (!ansi && width == null && punctuation == null) return options;
        if (options == null)
            throw new CliException($"{(ansi ? "--strip-ansi" : width != null ? "--width" : "--punctuation")} is a normalization step: it cannot be combined with --no-normalize.");
        options.RemoveTerminalEscapes = ansi;
        options.HalfWidth = width == "half";
        options.FullWidth = width == "full";
        options.PunctuationToAscii = punctuation == "ascii";
        options.PunctuationToChinese = punctuation == "zh";
        return options;
    }
}
