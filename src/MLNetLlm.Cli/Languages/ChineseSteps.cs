using Microsoft.ML;
using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;
using MLNetLlm.Chinese;
using MLNetLlm.Chinese.Segmentation;
using MLNetLlm.Data.Languages;

namespace MLNetLlm.Cli.Languages;

/// <summary>
/// What <c>--language zh</c> adds to train's pipelines: jieba word segmentation of each text column (in place, words
/// joined by spaces) before the n-gram featurizer, so that word n-grams are Chinese words; in AutoML, segmentation is a
/// searched stage (on/off, precise/search mode, HMM on/off) next to the featurizer's word and character n-grams.
/// The BERT trainer needs none of this (its tokenizer splits Chinese into characters).
/// </summary>
internal static class ChineseSteps
{
    /// <summary>The namespaces and assembly generated training code needs for the segmentation steps.</summary>
    public static readonly string[] Usings = ["MLNetLlm.Chinese", "MLNetLlm.Chinese.Segmentation"];

    /// <summary>The library of the segmentation steps.</summary>
    public const string Library = "MLNetLlm.Chinese";

    /// <summary>Segments <paramref name="column"/> in place (precise mode, HMM on).</summary>
    public static IEstimator<ITransformer> Segment(MLContext ml, string column) => ml.Llm().SegmentWords(column, column);

    /// <summary>C# for <see cref="Segment"/>.</summary>
    public static string SegmentCode(string column) =>
        $"mlContext.Llm().SegmentWords({CodeGen.CSharpNames.Literal(column)}, {CodeGen.CSharpNames.Literal(column)})";

    /// <summary>The searched segmentation stage of a text column: jieba (mode and HMM searched) or none (raw characters).</summary>
    public static SweepableEstimator[] Sweepable(string column) =>
    [
        SweepableEstimator.Create<WordSegmentationOptions>($"segment_{column}", (ctx, o) => ctx.Llm().SegmentWords(column, column, o), Space()),
        SweepableEstimator.Skip($"unsegmented_{column}"),
    ];

    /// <summary>C# for <see cref="Sweepable"/> (one line of a SweepablePipeline expression).</summary>
    public static string SweepableCode(string column)
    {
        string c = CodeGen.CSharpNames.Literal(column);
        return $".Append(SweepableEstimator.Create<WordSegmentationOptions>({CodeGen.CSharpNames.Literal("segment_" + column)}, (ctx, o) => ctx.Llm().SegmentWords({c}, {c}, o), " +
               $"new SearchSpace {{ [\"Mode\"] = new SearchSpace<WordSegmentationOptions>()[\"Mode\"], [\"UseHmm\"] = new SearchSpace<WordSegmentationOptions>()[\"UseHmm\"] }}), " +
               $"SweepableEstimator.Skip({CodeGen.CSharpNames.Literal("unsegmented_" + column)}))";
    }

    /// <summary>Mode and UseHmm from <see cref="WordSegmentationOptions"/>' attributes (RemovePunctuation stays off).</summary>
    static SearchSpace Space()
    {
        var all = new SearchSpace<WordSegmentationOptions>();
        return new SearchSpace { ["Mode"] = all["Mode"], ["UseHmm"] = all["UseHmm"] };
    }

    /// <summary>Whether train's n-gram pipelines segment: Chinese text and not the BERT trainer.</summary>
    public static bool Applies(TextLanguage language, string trainer) => language == TextLanguage.Chinese && trainer != "bert";
}
