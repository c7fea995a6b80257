using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Training;

namespace MLNetLlm.Torch.Trainers;

/// <summary>What the transformer trainers share: reading rows from a data view, the validation split, the run fingerprint and the fit.</summary>
internal static class TrainerCore
{
    public static TextModel Fit(IDataView data, TransformerTrainingOptions o, string textColumn, string? pairColumn, string labelColumn,
        TextTask task, IReadOnlyList<string> labels)
    {
        o.Validate();
        var all = Read(data, textColumn, pairColumn, labelColumn, task);
        TrainingRows train = all, valid;
        if (o.ValidationData != null) valid = Read(o.ValidationData, textColumn, pairColumn, labelColumn, task);
        else if (o.ValidationFraction > 0) (train, valid) = Split(all, o.ValidationFraction, o.Seed);
        else valid = null!;
        if (train.Count == 0) throw new ArgumentException($"The training data has no rows (column '{textColumn}').");
        string fingerprint = Fingerprint(train, valid, o, task, labels);
        IReadOnlyList<string>? vocabulary = o.CheckpointDirectory != null && o.PretrainedModelPath is null
            ? TrainingCheckpoint.ReadVocabulary(o.CheckpointDirectory) : null;
        var model = TextModel.Create(o, task, labels, () => train.Pairs is null ? train.Texts : train.Texts.Concat(train.Pairs), vocabulary);
        try
        {
            FineTuner.Train(model, train, valid, o, fingerprint);
            model.MergeAdapters();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Reads text(s) and the label; a missing key or NaN label is an error naming the row.</summary>
    public static TrainingRows Read(IDataView data, string textColumn, string? pairColumn, string labelColumn, TextTask task)
    {
        var schema = data.Schema;
        DataViewSchema.Column Col(string name) => schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(data), $"Column '{name}' not found in the training data.");
        var text = Col(textColumn);
        var pair = pairColumn is null ? (DataViewSchema.Column?)null : Col(pairColumn);
        var label = Col(labelColumn);
        foreach (var c in pair is null ? new[] { text } : [text, pair.Value])
            if (c.Type is not TextDataViewType) throw new ArgumentOutOfRangeException(nameof(data), $"Column '{c.Name}' must be text, not {c.Type}.");
        CheckLabel(label, task);
        var texts = new List<string>();
        var pairs = pair is null ? null : new List<string>();
        var targets = new List<float>();
        using var cursor = data.GetRowCursor(pair is null ? [text, label] : [text, pair.Value, label]);
        var tg = cursor.GetGetter<ReadOnlyMemory<char>>(text);
        var pg = pair is null ? null : cursor.GetGetter<ReadOnlyMemory<char>>(pair.Value);
        Func<float> lg = task switch
        {
            TextTask.Binary => Getter<bool, float>(cursor, label, b => b ? 1f : 0f),
            TextTask.Multiclass => Getter<uint, float>(cursor, label, k => k == 0 ? float.NaN : k - 1f),
            _ => Getter<float, float>(cursor, label, f => f),
        };
        ReadOnlyMemory<char> v = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            row++;
            float y = lg();
            if (float.IsNaN(y) || float.IsInfinity(y))
                throw new InvalidDataException($"Column '{labelColumn}', row {row}: the label is missing ({(task == TextTask.Multiclass ? "key value 0: a value not in the key mapping" : "NaN")}).");
            tg(ref v);
            texts.Add(v.ToString());
            if (pg != null) { pg(ref v); pairs!.Add(v.ToString()); }
            targets.Add(y);
        }
        return new TrainingRows(texts, pairs, targets.ToArray());
    }

    static Func<TOut> Getter<TIn, TOut>(DataViewRowCursor cursor, DataViewSchema.Column col, Func<TIn, TOut> map)
    {
        var g = cursor.GetGetter<TIn>(col);
        TIn v = default!;
        return () => { g(ref v); return map(v); };
    }

    public static void CheckLabel(DataViewSchema.Column label, TextTask task)
    {
        bool ok = task switch
        {
            TextTask.Binary => label.Type is BooleanDataViewType,
            TextTask.Multiclass => label.Type is KeyDataViewType { RawType: var t } && t == typeof(uint),
            _ => label.Type == NumberDataViewType.Single,
        };
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' has type {label.Type}; " + task switch
            {
                TextTask.Binary => "binary classification needs Boolean.",
                TextTask.Multiclass => "multiclass classification needs a key type (use MapValueToKey).",
                _ => "regression needs Single (float).",
            });
    }

    /// <summary>Label names of a key column (its KeyValues annotation, else 0..k-1).</summary>
    public static IReadOnlyList<string> KeyLabels(DataViewSchema.Column label)
    {
        int k = label.Type is KeyDataViewType key ? (int)key.Count : 0;
        if (k < 2) throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' must have a known key count of at least 2 (got {k}).");
        if (label.Annotations.Schema.GetColumnOrNull(AnnotationUtils.KeyValues) is { } kv && kv.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            VBuffer<ReadOnlyMemory<char>> names = default;
            label.Annotations.GetValue(AnnotationUtils.KeyValues, ref names);
            var dense = names.DenseValues().Select(m => m.ToString()).ToArray();
            if (dense.Length == k) return dense;
        }
        return Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    internal static (TrainingRows Train, TrainingRows Valid) Split(TrainingRows all, double fraction, int seed)
    {
        var order = Enumerable.Range(0, all.Count).ToArray();
        new Random(unchecked(seed * 31 + 7)).Shuffle(order);
        int nValid = Math.Max(1, (int)Math.Round(all.Count * fraction));
        if (nValid >= all.Count) throw new ArgumentException($"ValidationFraction {fraction} leaves no training rows out of {all.Count}.");
        TrainingRows Take(IEnumerable<int> idx)
        {
            var list = idx.Order().ToArray();
            return new TrainingRows(list.Select(i => all.Texts[i]).ToArray(), all.Pairs is null ? null : list.Select(i => all.Pairs[i]).ToArray(),
                list.Select(i => all.Targets[i]).ToArray());
        }
        return (Take(order.Skip(nValid)), Take(order.Take(nValid)));
    }

    internal static string Fingerprint(TrainingRows train, TrainingRows? valid, TransformerTrainingOptions o, TextTask task, IReadOnlyList<string> labels)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) { h.AppendData(Encoding.UTF8.GetBytes(s)); h.AppendData([0]); }
        Add(string.Join("|", task, string.Join(",", labels), o.PretrainedModelPath, o.Mode, o.EffectiveLearningRate, o.NumberOfEpochs, o.BatchSize,
            o.GradientAccumulationSteps, o.MaxLength, o.WeightDecay, o.WarmupFraction, o.MaxGradNorm, o.EarlyStoppingPatience, o.Seed, o.LoraRank,
            o.LoraAlpha, o.LoraDropout, string.Join(",", o.LoraTargetModules), o.PromptTokens, o.ScratchVocabularySize, o.ScratchHiddenSize,
            o.ScratchLayers, o.ScratchAttentionHeads, o.ScratchIntermediateSize, o.EffectiveHeadLearningRate, o.MinimumTrainingSteps, o.EpochsGiven));
        foreach (var rows in valid is null ? new[] { train } : [train, valid])
        {
            Add(rows.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (int i = 0; i < rows.Count; i++)
            {
                Add(rows.Texts[i]);
                if (rows.Pairs != null) Add(rows.Pairs[i]);
                h.AppendData(BitConverter.GetBytes(rows.Targets[i]));
            }
        }
        return Convert.ToHexString(h.GetHashAndReset());
    }
}
