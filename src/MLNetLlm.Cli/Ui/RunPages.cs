using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.Cli.Training;

namespace MLNetLlm.Cli.Ui;

/// <summary>Steps 4-6 for one run: the live train view (leaderboard, best-so-far chart, cancel), evaluate with try-it, consume; what each page shows (the views under Ui/Views draw it).</summary>
internal static class RunPages
{
    public static Dictionary<string, string> Links(RunManager.State s)
    {
        var links = new Dictionary<string, string> { ["train"] = $"/runs/{Uri.EscapeDataString(s.Id)}" };
        if (s.HasModel)
        {
            links["evaluate"] = $"/runs/{Uri.EscapeDataString(s.Id)}/evaluate";
            links["consume"] = $"/runs/{Uri.EscapeDataString(s.Id)}/consume";
        }
        return links;
    }

    public static RunsPage List(Workspace ws, Func<string, RunManager.State?> read) =>
        new() { Title = "Runs", Step = "train", Runs = ws.ListRuns().Select(read).OfType<RunManager.State>().ToList() };

    public static LivePage Live(RunManager.State s) => new() { Title = "Train", Step = "train", Links = Links(s), Run = s };

    public static EvaluatePage Evaluate(RunManager.State s, ModelPredictor? predictor, ValidationReview? review, IReadOnlyList<string>? texts = null, Prediction.Prediction? prediction = null, string? error = null, string? tryError = null)
    {
        string metricsPath = Path.Combine(s.Folder, TrainingRun.MetricsFileName);
        return new EvaluatePage
        {
            Title = "Evaluate", Step = "evaluate", Links = Links(s), Run = s,
            Error = error, Metrics = File.Exists(metricsPath) ? MetricsReport.Load(metricsPath) : null, Review = review,
            Try = new TryResult(predictor, texts, prediction, tryError),
        };
    }

    /// <summary>The per-class precision, recall and F1 computed from the confusion matrix (rows: actual, columns: predicted).</summary>
    public static IEnumerable<string[]> PerClass(IReadOnlyList<string> classes, long[][] cm) => classes.Select((c, i) =>
    {
        long tp = cm[i][i], actual = cm[i].Sum(), predicted = cm.Sum(r => r[i]);
        double p = predicted == 0 ? double.NaN : (double)tp / predicted, r = actual == 0 ? double.NaN : (double)tp / actual;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : double.NaN;
        return new[] { c, UiText.N(actual), UiText.F(p), UiText.F(r), UiText.F(f1) };
    });

    /// <summary>The generated consumption project's folder in a run folder (the CLI's code generator writes it).</summary>
    public static string? ProjectFolder(string runFolder) =>
        Directory.EnumerateDirectories(runFolder).FirstOrDefault(d => Directory.EnumerateFiles(d, "*.csproj").Any());

    public static ConsumePage Consume(RunManager.State s, Uri? serving) => new() { Title = "Consume", Step = "consume", Links = Links(s), Run = s, Serving = serving };

    public static byte[] BestChart(RunManager.State s) => ReportCharts.BestSoFar(s.Metric, s.Trials);
    public static byte[] TrialsChart(RunManager.State s) => ReportCharts.MetricPerTrial(s.Metric, s.Trials);
}
