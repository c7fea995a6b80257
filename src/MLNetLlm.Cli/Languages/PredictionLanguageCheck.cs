using Microsoft.ML;
using MLNetLlm.Data.Languages;

namespace MLNetLlm.Cli.Languages;

/// <summary>
/// <c>predict --language</c>: a model knows the language it was trained on (metadata "language", written by train).
/// Given explicitly and different from the model's, it is an error naming the option; with auto, input text that looks
/// like another language than the model's gets a warning (the model still predicts).
/// </summary>
internal static class PredictionLanguageCheck
{
    public static void Run(string modelPath, string? option, IEnumerable<string> texts, TextWriter warnings)
    {
        var given = LanguageSettings.Parse(option);
        var metadata = new MLContext().Llm().Model.ReadMetadata(modelPath);
        if (!metadata.TryGetValue("language", out var trained) || trained is not ("en" or "zh")) return; // models from before --language
        var model = LanguageSettings.Parse(trained);
        if (given != TextLanguage.Auto)
        {
            if (given != model)
                throw new CliException($"--language {LanguageSettings.Name(given)} does not match the model '{modelPath}', which was trained on {trained} text; drop --language or use a model trained on {LanguageSettings.Name(given)} text.");
            return;
        }
        var detected = ScriptDetector.Detect(texts);
        if (detected != model)
            warnings.WriteLine($"mlnet-llm: warning: the input looks like {LanguageSettings.Name(detected)} text but the model was trained on {trained} text (--language).");
    }
}
