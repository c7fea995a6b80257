using System.Globalization;
using System.Text;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Reporting;
using MLNetLlm.Cli.Training;
using static MLNetLlm.Cli.Ui.Html;

namespace MLNetLlm.Cli.Ui;

/// <summary>Steps 4-6 for one run: the live train view (leaderboard, best-so-far chart, cancel), evaluate with try-it, consume.</summary>
internal static class RunPages
{
    static Dictionary<string, string> Links(RunManager.State s)
    {
        var links = new Dictionary<string, string> { ["train"] = $"/runs/{Uri.EscapeDataString(s.Id)}" };
        if (s.HasModel)
        {
            links["evaluate"] = $"/runs/{Uri.EscapeDataString(s.Id)}/evaluate";
            links["consume"] = $"/runs/{Uri.EscapeDataString(s.Id)}/consume";
        }
        return links;
    }

    public static string List(Workspace ws, Func<string, RunManager.State?> read)
    {
        var rows = ws.ListRuns().Select(read).OfType<RunManager.State>().ToList();
        var sb = new StringBuilder("<p><a href=\"/\">Start a new run</a></p>");
        if (rows.Count == 0) sb.Append("<p>No runs yet.</p>");
        else
        {
            sb.Append("<div class=\"scroll\"><table id=\"runs\"><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Status</th><th scope=\"col\">Trials</th><th scope=\"col\">Best</th></tr></thead><tbody>");
            foreach (var s in rows)
            {
                var best = new Leaderboard(s.Metric, s.Trials).Best;
                sb.Append($"<tr><td><a href=\"/runs/{E(Uri.EscapeDataString(s.Id))}\">{E(s.Id)}</a></td><td>{E(s.Status)}</td><td>{s.Trials.Count}</td>" +
                          $"<td>{(best?.Metric is { } m ? E($"{s.Metric} {F(m)}") : "")}</td></tr>");
            }
            sb.Append("</tbody></table></div>");
        }
        return Page("Runs", "train", sb.ToString());
    }

    public static string Live(RunManager.State s)
    {
        string id = Uri.EscapeDataString(s.Id);
        var sb = new StringBuilder();
        sb.Append($"<p>Run <code>{E(s.Id)}</code> in <code>{E(s.Folder)}</code>. The same run from a terminal: <code>mlnet-llm train --config {E(Path.Combine(s.Folder, RunConfig.FileName))}</code>.</p>");
        sb.Append($"<form method=\"post\" action=\"/runs/{E(id)}/cancel\" id=\"cancel-form\"><button type=\"submit\" id=\"cancel\"{(s.Active && !s.Stopping ? "" : " disabled")}>Cancel (keep finished trials)</button></form>");
        sb.Append($"<div id=\"live\" data-live=\"/runs/{E(id)}/events\">{Fragment(s)}</div>");
        return Page("Train", "train", sb.ToString(), Links(s));
    }

    /// <summary>The part of the train page that the server-sent events replace: status, chart, leaderboard, next steps.</summary>
    public static string Fragment(RunManager.State s)
    {
        string id = Uri.EscapeDataString(s.Id);
        var board = new Leaderboard(s.Metric, s.Trials);
        int completed = s.Trials.Count(t => t.Metric != null);
        double? budget = s.Config?.TrainTimeSeconds;
        var sb = new StringBuilder();
        sb.Append($"<p id=\"status\" role=\"status\" data-status=\"{E(s.Status)}\" data-completed=\"{completed}\">Status: <strong>{E(s.Status)}</strong>");
        if (s.ElapsedSeconds is { } el) sb.Append($" · {RunManager.Seconds(el)}{(budget is { } b ? " of " + RunManager.Seconds(b) + " budget" : "")}");
        sb.Append($" · {s.Trials.Count} trial(s), {completed} completed");
        if (board.Best?.Metric is { } bm) sb.Append($" · best validation {E(s.Metric)} {F(bm)} (trial {board.Best.Number})");
        sb.Append("</p>");
        if (s.ElapsedSeconds is { } e2 && budget is { } b2) sb.Append($"<progress max=\"{F(b2, "0")}\" value=\"{F(Math.Min(e2, b2), "0")}\" aria-label=\"time used\"></progress>");
        if (s.Error != null) sb.Append(Error(s.Error));
        if (s.Status == "stopped") sb.Append($"<p class=\"hint\">The process that ran this search ended before it finished. <code>mlnet-llm resume -o {E(s.Folder)}</code> continues it.</p>");
        sb.Append("<div class=\"chart\">");
        if (completed > 0) sb.Append($"<img src=\"/runs/{E(id)}/chart.png?n={completed}\" width=\"640\" height=\"400\" alt=\"Best validation {E(s.Metric)} so far against seconds since the start\">");
        else sb.Append("<p class=\"placeholder\">The best-so-far chart appears when the first trial finishes.</p>");
        sb.Append("</div>");
        sb.Append("<div class=\"scroll\"><table id=\"leaderboard\"><caption>Leaderboard (best first; lower rungs of successive halving train on fewer rows)</caption><thead><tr>");
        foreach (var h in new[] { "Rank", "Trial", "Pipeline", $"validation {s.Metric}", "Share of rows", "Seconds", "Status" }) sb.Append($"<th scope=\"col\">{E(h)}</th>");
        sb.Append("</tr></thead><tbody>");
        int rank = 0;
        foreach (var t in board.Ranked)
        {
            rank++;
            sb.Append($"<tr data-trial=\"{t.Number}\" data-status=\"{E(t.Status.Split(':')[0])}\"><td>{rank}</td><td>{t.Number}</td><td>{E(Truncate(t.Pipeline, 120))}</td>" +
                      $"<td>{(t.Metric is { } m ? F(m) : "")}</td><td>{F(t.Fidelity, "0.###")}</td><td>{F(t.Seconds, "0.0")}</td><td>{E(Truncate(t.Status, 80))}</td></tr>");
        }
        sb.Append("</tbody></table></div>");
        if (s.HasModel) sb.Append($"<p class=\"buttons\" id=\"next-steps\"><a class=\"button\" href=\"/runs/{E(id)}/evaluate\" id=\"evaluate\">Next: evaluate</a> <a class=\"button secondary\" href=\"/runs/{E(id)}/consume\">Consume</a></p>");
        return sb.ToString();
    }

    public static string Evaluate(RunManager.State s, ModelPredictor? predictor, ValidationReview? review, IReadOnlyList<string>? texts = null, Prediction.Prediction? prediction = null, string? error = null)
    {
        string id = Uri.EscapeDataString(s.Id);
        var sb = new StringBuilder(Error(error));
        string metricsPath = Path.Combine(s.Folder, TrainingRun.MetricsFileName);
        if (!File.Exists(metricsPath))
            return Page("Evaluate", "evaluate", sb.Append("<p>This run has no model yet: see the <a href=\"/runs/" + E(id) + "\">train page</a>.</p>").ToString(), Links(s));
        var m = MetricsReport.Load(metricsPath);
        sb.Append($"<p>{E(m.Role ?? "test")} data: {E(m.Dataset)} ({m.TestRows} rows); trained on {m.TrainRows} rows{(m.TrainSeconds is { } ts ? $" in {F(ts, "0.0")} s" : "")}; run status {E(s.Status)}.</p>");
        sb.Append(Table(["Metric", "Value"], m.Metrics.Select(p => new[] { p.Key + (p.Key == m.PrimaryMetric ? " (primary)" : ""), F(p.Value) }), "metrics", "Metrics"));
        if (m.Classes is { Count: > 0 } classes && m.ConfusionMatrix is { } cm)
        {
            sb.Append("<section><h2>Confusion matrix</h2>");
            sb.Append(Table(["actual \\ predicted", .. classes], classes.Select((c, i) => (IEnumerable<string>)[c, .. cm[i].Select(n => n.ToString(CultureInfo.InvariantCulture))]), "confusion"));
            var perClass = classes.Select((c, i) =>
            {
                long tp = cm[i][i], actual = cm[i].Sum(), predicted = cm.Sum(r => r[i]);
                double p = predicted == 0 ? double.NaN : (double)tp / predicted, r = actual == 0 ? double.NaN : (double)tp / actual;
                double f1 = p + r > 0 ? 2 * p * r / (p + r) : double.NaN;
                return new[] { c, actual.ToString(CultureInfo.InvariantCulture), F(p), F(r), F(f1) };
            });
            sb.Append(Table(["Class", "Rows", "Precision", "Recall", "F1"], perClass, "per-class", "Per class (from the confusion matrix)"));
            sb.Append("</section>");
        }
        if (review != null)
        {
            if (review.Roc() is { } roc)
                sb.Append($"<section><h2>ROC curve</h2><img src=\"/runs/{E(id)}/roc.png\" width=\"480\" height=\"480\" alt=\"ROC curve on the validation rows\">" +
                          $"<p id=\"roc-auc\">Area under this curve: {F(ValidationReview.Area(roc.Fpr, roc.Tpr))} (the run's auc: {(m.Metrics.TryGetValue("auc", out var auc) ? F(auc) : "n/a")}).</p></section>");
            var worst = review.WorstMistakes(5).ToList();
            sb.Append($"<section><h2>{(s.Config?.Task == TaskKind.Regression ? "Largest errors" : "Worst mistakes")}</h2>");
            if (worst.Count == 0) sb.Append("<p>No mistakes on the validation rows.</p>");
            else sb.Append(Table(["Line", "Actual", "Predicted", s.Config?.Task == TaskKind.Regression ? "Error" : "Confidence in the wrong answer", "Text"],
                worst.Select(r => new[] { r.Line.ToString(CultureInfo.InvariantCulture), r.Actual, r.Predicted, F(r.Wrongness, "0.000"), Truncate(r.Text, 200) }), "mistakes",
                $"From the {review.Rows.Count} validation rows, predicted by the saved model"));
            sb.Append("</section>");
        }
        if (s.Trials.Count > 0)
            sb.Append($"<section><h2>Trials</h2><img src=\"/runs/{E(id)}/trials.png\" width=\"640\" height=\"400\" alt=\"Validation {E(s.Metric)} of every trial\"></section>");
        if (predictor != null)
        {
            sb.Append($"<section><h2>Try it</h2><form method=\"post\" action=\"/runs/{E(id)}/try\">");
            var cols = predictor.Signature.TextColumns;
            for (int i = 0; i < cols.Count; i++)
                sb.Append($"<p><label for=\"try-{i}\">{E(cols[i])}</label><br><textarea id=\"try-{i}\" name=\"text\" rows=\"5\" required>{E(texts != null && i < texts.Count ? texts[i] : "")}</textarea></p>");
            sb.Append("<button type=\"submit\" id=\"predict\">Predict</button></form>");
            if (prediction != null)
            {
                sb.Append("<div id=\"prediction\" role=\"status\">");
                if (prediction.Label != null) sb.Append($"<p>Prediction: <strong id=\"predicted-label\">{E(prediction.Label)}</strong>");
                else sb.Append($"<p>Prediction: <strong id=\"predicted-label\">{F(prediction.Score)}</strong>");
                if (prediction.Probability is { } p && prediction.Classes == null) sb.Append($" · probability of '{E(predictor.Signature.Classes.ElementAtOrDefault(1))}': {F(p)}");
                sb.Append("</p>");
                if (prediction.Classes is { } probs) sb.Append(Bars("Class probabilities", probs.OrderByDescending(p => p.Value).Select(p => (p.Key, (double)p.Value)).ToList(), "0.000"));
                else if (prediction.Probability is { } pb && predictor.Signature.Classes.Count == 2)
                    sb.Append(Bars("Class probabilities", [(predictor.Signature.Classes[1], pb), (predictor.Signature.Classes[0], 1 - pb)], "0.000"));
                sb.Append("</div>");
            }
            sb.Append("</section>");
        }
        sb.Append($"<p class=\"buttons\"><a class=\"button\" href=\"/runs/{E(id)}/consume\" id=\"consume\">Next: consume</a></p>");
        return Page("Evaluate", "evaluate", sb.ToString(), Links(s));
    }

    /// <summary>The generated consumption project's folder in a run folder (the CLI's code generator writes it).</summary>
    public static string? ProjectFolder(string runFolder) =>
        Directory.EnumerateDirectories(runFolder).FirstOrDefault(d => Directory.EnumerateFiles(d, "*.csproj").Any());

    public static string Consume(RunManager.State s, Uri? serving)
    {
        string id = Uri.EscapeDataString(s.Id);
        var sb = new StringBuilder();
        string model = Path.Combine(s.Folder, TrainingRun.ModelFileName);
        sb.Append($"<section><h2>Download</h2><p class=\"buttons\"><a class=\"button\" id=\"download-model\" href=\"/runs/{E(id)}/model\" download>Model file ({E(TrainingRun.ModelFileName)})</a> ");
        if (ProjectFolder(s.Folder) is { } project)
        {
            sb.Append($"<a class=\"button secondary\" id=\"download-project\" href=\"/runs/{E(id)}/project.zip\" download>C# project (.zip)</a></p>");
            string program = Path.Combine(project, "Program.cs");
            sb.Append("</section><section><h2>Generated code</h2>");
            sb.Append($"<p>The CLI's generator wrote <code>{E(project)}</code>: <code>dotnet run --project \"{E(project)}\"</code>.</p>");
            if (File.Exists(program)) sb.Append($"<pre tabindex=\"0\" aria-label=\"Program.cs\"><code>{E(File.ReadAllText(program))}</code></pre>");
        }
        else sb.Append("</p>");
        sb.Append("</section><section><h2>Serve</h2>");
        sb.Append($"<p>From a terminal: <code>mlnet-llm serve --model \"{E(model)}\" --port 5000</code>.</p>");
        if (serving != null)
        {
            var body = "{" + string.Join(", ", (s.Config?.TextColumns ?? ["Text"]).Select(c => $"\"{c}\": \"…\"")) + "}";
            sb.Append($"<p id=\"serving\">Serving at <a href=\"{E(serving + "metadata")}\">{E(serving.ToString())}</a> until the UI stops:</p>" +
                      $"<pre tabindex=\"0\"><code>curl -s -X POST {E(serving + "predict")} -H 'Content-Type: application/json' -d '{E(body)}'</code></pre>");
        }
        else if (s.HasModel) sb.Append($"<form method=\"post\" action=\"/runs/{E(id)}/serve\"><button type=\"submit\" id=\"serve\">Start serving this model here</button></form>");
        sb.Append("</section>");
        return Page("Consume", "consume", sb.ToString(), Links(s));
    }

    public static byte[] BestChart(RunManager.State s) => ReportCharts.BestSoFar(s.Metric, s.Trials);
    public static byte[] TrialsChart(RunManager.State s) => ReportCharts.MetricPerTrial(s.Metric, s.Trials);
}
