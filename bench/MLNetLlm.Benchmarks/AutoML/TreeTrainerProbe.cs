using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MLNetLlm.AutoML.DefaultSpaces;
using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>
/// Where a tree-learner trial's time goes on SpamAssassin text features, and whether each phase honours cancellation:
/// for each feature variant (an n-gram cap of ML.NET's default FeaturizeText — word 1–2-grams + char trigrams — and an
/// optional feature selection after it), the featurization, the selection, and for LightGBM and FastTree (one thread,
/// the default options of <see cref="LightGbmSearchOptions"/> / <see cref="FastTreeSearchOptions"/>) a fit with one
/// boosting iteration (data preparation + 1 iteration), one with 10 (the difference is the cost of 9 iterations), one
/// with all iterations, and one cancelled through the MLContext (as a timed-out trial is) half-way through the
/// preparation. Every fit is cancelled at a limit (the per-trial limit of the 10-minute search), so a fit over it
/// also shows how soon the trainer stops when cancelled while boosting. Wall and process CPU seconds of every phase;
/// after a cancel, the seconds until the fit returned and the CPU it burnt meanwhile.
/// </summary>
public static class TreeTrainerProbe
{
    /// <summary>One feature variant: the n-gram cap per length (null: ML.NET's default, no cap) and a selection after it.</summary>
    /// <param name="NgramCap">MaximumNgramsCount per n-gram length; null for ML.NET's default (10,000,000).</param>
    /// <param name="SelectedFeatures">The features kept by <see cref="TreeFeatureSelection"/>, or null for no selection.</param>
    public sealed record Variant(int? NgramCap, int? SelectedFeatures)
    {
        /// <summary>Parses "2000", "max", "max+sel4000".</summary>
        public static Variant Parse(string text)
        {
            var parts = text.Trim().Split('+');
            int? cap = parts[0] == "max" ? null : int.TryParse(parts[0], CultureInfo.InvariantCulture, out int c) && c > 0 ? c
                : throw new FormatException($"Feature variant '{text}': the cap is a positive number or 'max'.");
            int? sel = null;
            if (parts.Length == 2 && parts[1].StartsWith("sel", StringComparison.Ordinal) && int.TryParse(parts[1][3..], CultureInfo.InvariantCulture, out int k) && k > 0) sel = k;
            else if (parts.Length != 1) throw new FormatException($"Feature variant '{text}': expected CAP or CAP+selK (e.g. max+sel4000).");
            return new Variant(cap, sel);
        }

        /// <inheritdoc/>
        public override string ToString() => (NgramCap?.ToString(CultureInfo.InvariantCulture) ?? "max") + (SelectedFeatures is int k ? $"+sel{k}" : "");
    }

    /// <summary>Wall and process-CPU seconds of an action.</summary>
    readonly record struct Cost(double Wall, double Cpu)
    {
        public static Cost Of(Action action)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            action();
            return new Cost(sw.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Wall:F1} / {Cpu:F1}");
    }

    /// <summary>Runs the probe; returns a Markdown report (progress lines go to <paramref name="log"/>).</summary>
    /// <param name="trainPath">SpamAssassin training CSV.</param>
    /// <param name="variants">Feature variants.</param>
    /// <param name="trainers">"lightgbm" and/or "fasttree".</param>
    /// <param name="cancellation">Also run the fit cancelled half-way through its preparation.</param>
    /// <param name="log">Progress output.</param>
    /// <param name="fitLimit">Each fit is cancelled after this long (default 150 s, the per-trial limit of the 10-minute run).</param>
    public static string Run(string trainPath, IReadOnlyList<Variant> variants, IReadOnlyList<string> trainers, bool cancellation = true, TextWriter? log = null, TimeSpan? fitLimit = null)
    {
        foreach (var t in trainers)
            if (t is not ("lightgbm" or "fasttree")) throw new ArgumentException($"Unknown trainer '{t}' (lightgbm, fasttree).", nameof(trainers));
        var limit = fitLimit ?? TimeSpan.FromSeconds(150);
        var data = SpamBenchmark.Load(trainPath);
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{data.RowCount} training mails; one thread per trainer; seconds as wall / process CPU."));
        sb.AppendLine();
        sb.AppendLine("| Features | Trainer | Slots | Featurize | Select | Prep + 1 iteration | All iterations | Per iteration (CPU) | Cancelled in prep: returned after (wall / CPU) | Cancelled at the limit: returned after |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var v in variants)
        {
            var ml = new MLContext(0);
            var featurizer = AutoCatalog.TextFeaturizer(ml, new TextFeaturizerSearchOptions
            {
                WordNgramLength = 2, CharNgramLength = 3, MaximumNgramsCount = v.NgramCap ?? TextFeaturizerSearchOptions.MaximumNgramsCap,
            }, "Features", "Text");
            IDataView? features = null;
            var featurize = Cost.Of(() => features = Materialize(ml, featurizer.Fit(data).Transform(data)));
            int slots = SlotCount(features!);
            log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v}: {slots} slots, featurize {featurize} s"));
            var select = new Cost(0, 0);
            if (v.SelectedFeatures is int k)
            {
                select = Cost.Of(() => features = Materialize(ml, TreeFeatureSelection.Create(ml, "Features", "Label", k).Fit(features!).Transform(features!)));
                slots = SlotCount(features!);
                log?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v}: selected {slots} slots in {select} s"));
            }
            foreach (var trainer in trainers)
            {
                int iterations = trainer == "lightgbm" ? new LightGbmSearchOptions().NumberOfIterations : new FastTreeSearchOptions().NumberOfTrees;
                var one = Timed(trainer, 1, features!, limit);
                log?.WriteLine($"{v} {trainer}: prep + 1 iteration {one}");
                var ten = Timed(trainer, ShortRun, features!, limit);
                log?.WriteLine($"{v} {trainer}: {ShortRun} iterations {ten}");
                string perIteration = one.Finished && ten.Finished ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, ten.Cpu - one.Cpu) / (ShortRun - 1):F3}") : "–";
                var all = Timed(trainer, iterations, features!, limit);
                log?.WriteLine($"{v} {trainer}: {iterations} iterations {all}");
                string inPrep = "";
                if (cancellation && one.Finished)
                {
                    var c = Timed(trainer, iterations, features!, TimeSpan.FromSeconds(one.Wall / 2));
                    inPrep = c.Finished ? "finished first" : c.AfterCancel();
                    log?.WriteLine($"{v} {trainer}: cancelled in prep: {c}");
                }
                sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {v} | {trainer} | {slots:N0} | {featurize} | {(v.SelectedFeatures is null ? "–" : select.ToString())} | {one.Brief()} | {all.Brief()} ({iterations}) | {perIteration} | {inPrep} | {(all.Finished ? "–" : all.AfterCancel())} |"));
            }
        }
        return sb.ToString();
    }

    /// <summary>Boosting iterations of the fit that, with the one-iteration fit, gives the cost of one iteration.</summary>
    const int ShortRun = 10;

    /// <summary>A fit, cancelled through its MLContext at <c>CancelAt</c> if it had not finished.</summary>
    readonly record struct Fitting(double Wall, double Cpu, bool Finished, double? CancelAt, double AfterCancelWall, double AfterCancelCpu)
    {
        public string Brief() => Finished ? string.Create(CultureInfo.InvariantCulture, $"{Wall:F1} / {Cpu:F1}") : string.Create(CultureInfo.InvariantCulture, $"> {CancelAt:F0} (cancelled)");
        public string AfterCancel() => string.Create(CultureInfo.InvariantCulture, $"{AfterCancelWall:F1} / {AfterCancelCpu:F1}");
        public override string ToString() => Finished
            ? string.Create(CultureInfo.InvariantCulture, $"{Wall:F1} / {Cpu:F1} s")
            : string.Create(CultureInfo.InvariantCulture, $"cancelled at {CancelAt:F1} s, returned {AfterCancelWall:F1} s (CPU {AfterCancelCpu:F1} s) later");
    }

    static Fitting Timed(string trainer, int iterations, IDataView features, TimeSpan cancelAfter)
    {
        var ml = new MLContext(0);
        var clock = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        double? cancelledAt = null;
        TimeSpan cpuAtCancel = default;
        using var timer = new Timer(_ =>
        {
            cpuAtCancel = Process.GetCurrentProcess().TotalProcessorTime;
            cancelledAt = clock.Elapsed.TotalSeconds;
            MLContextCancellation.CancelExecution(ml);
        }, null, cancelAfter, Timeout.InfiniteTimeSpan);
        bool finished;
        try
        {
            Fit(ml, trainer, iterations, features);
            finished = true;
        }
        catch (Exception e) when (IsCancellation(e)) { finished = false; }
        double end = clock.Elapsed.TotalSeconds;
        var cpuEnd = Process.GetCurrentProcess().TotalProcessorTime;
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        if (finished) return new Fitting(end, (cpuEnd - cpu0).TotalSeconds, true, cancelledAt, 0, 0);
        return new Fitting(end, (cpuEnd - cpu0).TotalSeconds, false, cancelledAt, end - cancelledAt!.Value, (cpuEnd - cpuAtCancel).TotalSeconds);
    }

    /// <summary>ML.NET's cancellation: an <see cref="OperationCanceledException"/>, wrapped when thrown in FastTree's parallel tasks.</summary>
    internal static bool IsCancellation(Exception e) =>
        e is OperationCanceledException || e is AggregateException a && a.Flatten().InnerExceptions.All(IsCancellation)
        || e.InnerException is { } inner && IsCancellation(inner);

    static void Fit(MLContext ml, string trainer, int iterations, IDataView features)
    {
        IEstimator<ITransformer> estimator = trainer == "lightgbm"
            ? ml.BinaryClassification.Trainers.LightGbm(AutoCatalog.Fill(new LightGbmBinaryTrainer.Options(),
                new LightGbmSearchOptions { NumberOfIterations = iterations }, "Label", "Features", 1))
            : ml.BinaryClassification.Trainers.FastTree(AutoCatalog.Fill(new FastTreeBinaryTrainer.Options(),
                new FastTreeSearchOptions { NumberOfTrees = iterations }, "Label", "Features", 1));
        (estimator.Fit(features) as IDisposable)?.Dispose();
    }

    static IDataView Materialize(MLContext ml, IDataView view)
    {
        var cached = ml.Data.Cache(view, "Label", "Features");
        using var cursor = cached.GetRowCursor(cached.Schema);
        while (cursor.MoveNext()) { }
        return cached;
    }

    static int SlotCount(IDataView view) => view.Schema["Features"].Type is VectorDataViewType v ? v.Size : 0;
}
