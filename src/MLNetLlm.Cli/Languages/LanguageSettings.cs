using System.CommandLine;
using MLNetLlm.Data.Languages;

namespace MLNetLlm.Cli.Languages;

/// <summary>
/// The <c>--language auto|en|zh</c> option of train, clean, augment and predict: <c>auto</c> (the default) decides from
/// the script of the data's text columns (<see cref="ScriptDetector"/>: Chinese when Han characters are at least 30 %
/// of the letters of the first 1,000 rows).
/// </summary>
internal static class LanguageSettings
{
    /// <summary>The values the option takes.</summary>
    public static readonly string[] Values = ["auto", "en", "zh"];

    /// <summary>The option, described for one command.</summary>
    public static Option<string?> CreateOption(string effect)
    {
        var option = new Option<string?>("--language") { Description = $"auto (default: by the script of the text), en or zh. {effect}" };
        option.AcceptOnlyFromAmong(Values);
        return option;
    }

    /// <summary>Parses a value (null: auto); anything else fails naming --language.</summary>
    public static TextLanguage Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => TextLanguage.Auto,
        "en" or "english" => TextLanguage.English,
        "zh" or "chinese" => TextLanguage.Chinese,
        _ => throw new CliException($"--language must be auto, en or zh, not '{value}'."),
    };

    /// <summary>The option value of a language: auto, en or zh.</summary>
    public static string Name(TextLanguage language) => language switch
    {
        TextLanguage.English => "en",
        TextLanguage.Chinese => "zh",
        _ => "auto",
    };

    /// <summary>
    /// The language to use for <paramref name="texts"/>: the given one, or (auto) the detected one, with a line saying
    /// which for the run's output.
    /// </summary>
    public static TextLanguage Resolve(string? value, IEnumerable<string> texts, out string explanation)
    {
        var given = Parse(value);
        if (given != TextLanguage.Auto)
        {
            explanation = $"Language: {Name(given)} (--language)";
            return given;
        }
        var detected = ScriptDetector.Detect(texts);
        explanation = $"Language: {Name(detected)} (detected from the script of the text; set --language to choose)";
        return detected;
    }
}
