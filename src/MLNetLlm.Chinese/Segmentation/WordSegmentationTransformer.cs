using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Mapping;
using MLNetLlm.Persistence;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// Segments Chinese text columns into words with jieba (<see cref="JiebaWordSegmenter"/>): one output column per input
/// column, either the words joined by spaces (so that <c>FeaturizeText</c>'s word n-grams see Chinese words) or a vector
/// of words. Row by row, thread-safe (one prediction engine per thread, or several threads on one view), and saved with
/// its options and user dictionary by <c>mlContext.Llm().Model.Save</c>.
/// </summary>
public sealed class WordSegmentationTransformer : IPersistentTransformer
{
    const string StateFileName = "word-segmentation.json";
    const string DictionaryFile = "user-dictionary.txt";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    readonly ColumnMappingSet _mappings;
    readonly JiebaWordSegmenter _segmenter;

    internal WordSegmentationTransformer(IReadOnlyList<(string OutputColumnName, string InputColumnName)> columns, JiebaWordSegmenter segmenter)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0) throw new ArgumentException("SegmentWords needs at least one column.", nameof(columns));
        _segmenter = segmenter;
        Columns = columns.ToArray();
        var options = segmenter.Options;
        _mappings = new ColumnMappingSet(Columns.Select(c =>
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(c.OutputColumnName, "outputColumnName");
            ArgumentException.ThrowIfNullOrWhiteSpace(c.InputColumnName, "inputColumnName");
            return options.Output == WordSegmentationOutput.Text
                ? (ColumnMapping)new TextMapping("SegmentWords", c.OutputColumnName, c.InputColumnName, segmenter.Join)
                : new TokenVectorMapping("SegmentWords", c.OutputColumnName, c.InputColumnName, segmenter.Words);
        }).ToArray());
    }

    /// <summary>The (output, input) column pairs.</summary>
    public IReadOnlyList<(string OutputColumnName, string InputColumnName)> Columns { get; }

    /// <summary>A copy of the options in use.</summary>
    public WordSegmentationOptions Options => _segmenter.Options;

    /// <summary>The segmenter (for use outside ML.NET, e.g. by augmentation or chunking).</summary>
    public JiebaWordSegmenter Segmenter => _segmenter;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _mappings.OutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _mappings.RowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _mappings.Transform(input);

    /// <summary>Not supported: ML.NET's own format cannot hold this transformer. Use <c>mlContext.Llm().Model.Save</c>.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) =>
        throw new NotSupportedException("WordSegmentationTransformer is saved with mlContext.Llm().Model.Save(model, schema, path), not mlContext.Model.Save.");

    /// <inheritdoc/>
    public void SaveTo(string directory)
    {
        var options = Options;
        var state = new State
        {
            Columns = Columns.Select(c => new ColumnPair { Output = c.OutputColumnName, Input = c.InputColumnName }).ToList(),
            Mode = options.Mode, UseHmm = options.UseHmm, Output = options.Output, Separator = options.Separator,
            RemovePunctuation = options.RemovePunctuation,
            UserDictionary = _segmenter.UserDictionary == null ? null : DictionaryFile,
            UserDictionarySource = _segmenter.UserDictionary?.Source,
        };
        if (_segmenter.UserDictionary is { } user) File.WriteAllText(Path.Combine(directory, DictionaryFile), user.Text, new System.Text.UTF8Encoding(false));
        File.WriteAllText(Path.Combine(directory, StateFileName), JsonSerializer.Serialize(state, Json));
    }

    /// <summary>Loads a transformer written by <see cref="SaveTo"/> (called by <c>mlContext.Llm().Model.Load</c>).</summary>
    public static ITransformer LoadFrom(MLContext mlContext, string directory)
    {
        string path = Path.Combine(directory, StateFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"SegmentWords stage: '{StateFileName}' is missing from the model file.", path);
        State? state;
        try { state = JsonSerializer.Deserialize<State>(File.ReadAllText(path), Json); }
        catch (JsonException ex) { throw new InvalidDataException($"SegmentWords stage: '{StateFileName}' is not valid: {ex.Message}", ex); }
        if (state?.Columns is not { Count: > 0 }) throw new InvalidDataException($"SegmentWords stage: '{StateFileName}' has no columns.");
        var options = new WordSegmentationOptions
        {
            Mode = state.Mode, UseHmm = state.UseHmm, Output = state.Output, Separator = state.Separator, RemovePunctuation = state.RemovePunctuation,
        };
        try { options.Validate(); }
        catch (ArgumentException ex) { throw new InvalidDataException($"SegmentWords stage: {ex.Message}", ex); }
        UserDictionary? user = null;
        if (state.UserDictionary != null)
        {
            string dict = Path.Combine(directory, Path.GetFileName(state.UserDictionary));
            if (!File.Exists(dict)) throw new FileNotFoundException($"SegmentWords stage: its user dictionary '{state.UserDictionary}' is missing from the model file.", dict);
            user = UserDictionary.Parse(File.ReadAllText(dict), state.UserDictionarySource ?? state.UserDictionary);
        }
        return new WordSegmentationTransformer(state.Columns.Select(c => (c.Output, c.Input)).ToList(), JiebaWordSegmenter.Create(options, user));
    }

    sealed class State
    {
        public List<ColumnPair> Columns { get; set; } = [];
        public SegmentationMode Mode { get; set; }
        public bool UseHmm { get; set; } = true;
        public WordSegmentationOutput Output { get; set; }
        public string Separator { get; set; } = " ";
        public bool RemovePunctuation { get; set; }
        public string? UserDictionary { get; set; }
        public string? UserDictionarySource { get; set; }
    }

    sealed class ColumnPair
    {
        public string Output { get; set; } = "";
        public string Input { get; set; } = "";
    }
}
