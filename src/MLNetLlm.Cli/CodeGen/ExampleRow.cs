using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.CodeGen;

/// <summary>
/// The example the generated Program.cs predicts when it gets no arguments: a real evaluation row, whole (never cut),
/// that the model predicts correctly (regression: within the median error), preferring a short one so the source
/// stays readable.
/// </summary>
internal static class ExampleRow
{
    /// <summary>Rows longer than this (all text columns together) are not used as the example.</summary>
    public const int MaxCharacters = 1500;

    /// <summary>Texts shorter than this say too little to be a useful example, if longer correct rows exist.</summary>
    const int MinCharacters = 40;

    /// <summary>The index (into <paramref name="texts"/>, in the order of <paramref name="scored"/>'s rows) of the example row, and whether it is predicted correctly.</summary>
    /// <param name="signature">The task and label.</param>
    /// <param name="scored">The model's output on the evaluation rows (with the label column).</param>
    /// <param name="texts">The text values of the same rows, one array per row.</param>
    public static (int Row, bool Correct) Pick(ModelSignature signature, IDataView scored, IReadOnlyList<string[]> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("No rows.", nameof(texts));
        bool[] correct = Correct(signature, scored, texts.Count);
        int Length(int i) => texts[i].Sum(t => t.Length);
        var candidates = Enumerable.Range(0, texts.Count).Where(i => correct[i] && Length(i) <= MaxCharacters).OrderBy(Length).ToList();
        if (candidates.Count == 0)
        {
            // nothing correct fits: the shortest row, marked as mispredicted
            int shortest = Enumerable.Range(0, texts.Count).OrderBy(Length).First();
            return (shortest, correct[shortest]);
        }
        int row = candidates.FirstOrDefault(i => Length(i) >= MinCharacters, candidates[^1]);
        return (row, true);
    }

    static bool[] Correct(ModelSignature signature, IDataView scored, int count)
    {
        const string label = ModelSignature.LabelColumnName;
        bool[] result;
        switch (signature.Task)
        {
            case TaskKind.Binary:
            {
                var y = scored.GetColumn<bool>(label).ToArray();
                var p = scored.GetColumn<bool>("PredictedLabel").ToArray();
                result = y.Zip(p, (a, b) => a == b).ToArray();
                break;
            }
            case TaskKind.Multiclass:
            {
                var y = scored.GetColumn<uint>(label).ToArray();
                var p = scored.GetColumn<uint>("PredictedLabel").ToArray();
                result = y.Zip(p, (a, b) => a == b).ToArray();
                break;
            }
            default:
            {
                var y = scored.GetColumn<float>(label).ToArray();
                var p = scored.GetColumn<float>("Score").ToArray();
                var error = y.Zip(p, (a, b) => Math.Abs(a - b)).ToArray();
                double median = error.Order().ElementAt(error.Length / 2);
                result = error.Select(e => e <= median).ToArray();
                break;
            }
        }
        return result.Length == count ? result : new bool[count]; // rows dropped on the way: nothing is known to be right
    }
}
