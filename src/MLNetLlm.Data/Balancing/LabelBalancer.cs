using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Augmentation;
using MLNetLlm.Data.RowOperations;
using MLNetLlm.DataViews;

namespace MLNetLlm.Data.Balancing;

/// <summary>
/// Evens out the classes of a label column by random oversampling, random undersampling, SMOTE on a numeric vector
/// column, or oversampling with EDA-augmented text. A training-only row step: put it in
/// <c>mlContext.Llm().ApplyWhenTraining(…)</c> so that evaluation data is never resampled. New rows are appended
/// after the original ones; undersampling keeps the input order.
/// </summary>
public sealed class LabelBalancer : IRowOperation
{
    readonly BalanceOptions _options;

    /// <summary>Creates the step; <paramref name="options"/> null: defaults.</summary>
    public LabelBalancer(BalanceOptions? options = null)
    {
        _options = (options ?? new BalanceOptions()).Clone();
        _options.Validate();
    }

    /// <summary>A copy of the options.</summary>
    public BalanceOptions Options => _options.Clone();

    /// <inheritdoc/>
    public string Name => "Balance";

    /// <inheritdoc/>
    public void CheckSchema(DataViewSchema schema)
    {
        LabelValues.RequireScalar(schema, _options.LabelColumn, Name);
        if (_options.Method == BalanceMethod.Smote)
        {
            var col = RowOperationColumns.Require(schema, _options.FeatureColumn, Name);
            if (col.Type is not VectorDataViewType { ItemType: NumberDataViewType } v || v.ItemType.RawType != typeof(float))
                throw new ArgumentException($"{Name}: SMOTE feature column '{_options.FeatureColumn}' is {col.Type}; it must be a vector of Single (e.g. the output of FeaturizeText or Concatenate).", nameof(schema));
        }
        if (_options.Method == BalanceMethod.AugmentOversample) RowOperationColumns.RequireText(schema, _options.Augmentation.TextColumnName, Name);
    }

    /// <inheritdoc/>
    public RowOperationResult Apply(IDataView data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckSchema(data.Schema);
        var view = InMemoryDataView.Materialize(data);
        var groups = LabelValues.Group(LabelValues.Read(view, _options.LabelColumn, Name));
        var details = new Dictionary<string, string> { ["method"] = _options.Method.ToString(), ["before"] = Counts(groups.Select(g => (g.Label, g.Rows.Count))) };
        if (groups.Count < 2)
        {
            details["note"] = "fewer than two classes: nothing to balance";
            return new RowOperationResult(view, new RowOperationReport(Name, view.RowCount, view.RowCount, details: details));
        }
        var rng = new Random(_options.Seed);
        int largest = groups.Max(g => g.Rows.Count), smallest = groups.Min(g => g.Rows.Count);

        if (_options.Method == BalanceMethod.RandomUndersample)
        {
            int cap = (int)Math.Floor(smallest / _options.TargetRatio + 1e-9);
            var keep = new List<int>();
            var dropped = new Dictionary<string, int>();
            foreach (var (label, rows) in groups)
            {
                if (rows.Count <= cap) { keep.AddRange(rows); continue; }
                var chosen = rows.ToArray();
                rng.Shuffle(chosen);
                keep.AddRange(chosen.Take(cap));
                dropped[$"undersampled:{label}"] = rows.Count - cap;
            }
            keep.Sort();
            var kept = view.SelectRows(keep);
            details["after"] = Counts(groups.Select(g => (g.Label, Math.Min(g.Rows.Count, cap))));
            return new RowOperationResult(kept, new RowOperationReport(Name, view.RowCount, kept.RowCount, dropped: dropped, details: details));
        }

        int target = (int)Math.Ceiling(largest * _options.TargetRatio - 1e-9);
        var added = new Dictionary<string, int>();
        var extraPerGroup = new List<(List<int> Rows, int Extra)>();
        foreach (var (label, rows) in groups)
        {
            int extra = Math.Max(0, target - rows.Count);
            if (extra > 0) added[$"{Prefix}:{label}"] = extra;
            extraPerGroup.Add((rows, extra));
        }
        InMemoryDataView addedRows = _options.Method switch
        {
            BalanceMethod.RandomOversample => view.SelectRows(Sample(extraPerGroup, rng)),
            BalanceMethod.AugmentOversample => Augmented(view, extraPerGroup, rng),
            BalanceMethod.Smote => Smote.Synthesize(view, _options.FeatureColumn, extraPerGroup, _options.Neighbors, rng, Name),
            _ => throw new InvalidOperationException($"Unknown balance method {_options.Method}."),
        };
        details["after"] = Counts(groups.Select(g => (g.Label, Math.Max(g.Rows.Count, target))));
        var result = view.Concat(addedRows);
        return new RowOperationResult(result, new RowOperationReport(Name, view.RowCount, result.RowCount, added: added, details: details));
    }

    string Prefix => _options.Method switch
    {
        BalanceMethod.Smote => "smote",
        BalanceMethod.AugmentOversample => "augmented",
        _ => "oversampled",
    };

    static List<int> Sample(List<(List<int> Rows, int Extra)> groups, Random rng)
    {
        var picked = new List<int>();
        foreach (var (rows, extra) in groups)
            for (int k = 0; k < extra; k++) picked.Add(rows[rng.Next(rows.Count)]);
        return picked;
    }

    InMemoryDataView Augmented(InMemoryDataView view, List<(List<int> Rows, int Extra)> groups, Random rng)
    {
        var augmenter = new TextAugmenter(_options.Augmentation);
        var sources = new List<int>();
        var variants = new List<int>();
        var uses = new Dictionary<int, int>();
        foreach (var (rows, extra) in groups)
        {
            for (int k = 0; k < extra; k++)
            {
                // cycle through the class's rows in a random order so every row is used before any is used twice
                if (k % rows.Count == 0) { var order = rows.ToArray(); rng.Shuffle(order); rows.Clear(); rows.AddRange(order); }
                int r = rows[k % rows.Count];
                sources.Add(r);
                variants.Add(uses[r] = uses.GetValueOrDefault(r) + 1);
            }
        }
        return augmenter.MakeRows(view, sources, variants);
    }

    static string Counts(IEnumerable<(string Label, int Count)> counts) =>
        string.Join(" ", counts.Select(c => $"{c.Label}={c.Count.ToString(CultureInfo.InvariantCulture)}"));
}
