using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Microsoft.ML;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.Cli.Training;
using Xunit.Abstractions;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>
/// The whole wizard in a real browser, with one 60-second search: upload the shipped spam sample, choose columns, train
/// while the leaderboard fills in (two tabs), cancel, evaluate, try it, download the model and load it with the library,
/// then restart the server and find the run as it was.
/// </summary>
public sealed class UiWorkflowTests(ITestOutputHelper log) : IDisposable
{
    readonly TempFolder _tmp = new();

    [BrowserFact]
    [Trait("Speed", "Slow")]
    public async Task UploadTrainCancelEvaluateTryDownloadAndRestart()
    {
        string workspace = _tmp.File("workspace");
        await using var ui = await UiHarness.StartAsync(workspace);
        log.WriteLine($"UI at {ui.Address}; screenshots in {UiHarness.Screenshots}");
        var page = await ui.NewPageAsync();

        // 1 scenario
        await ui.OpenAsync(page, "/", "input[name=task][value=binary]");
        await page.CheckAsync("input[name=task][value=binary]");
        await UiHarness.ShotAsync(page, "01-scenario");
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("button[type=submit]"), new Regex("/data\\?"), "#file");

        // 2 data: upload, then the column roles
        await page.SetInputFilesAsync("#file", UiHarness.RepoFile("data", "spam", "sample-train.csv"));
        await UiHarness.ShotAsync(page, "02-data");
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("form[enctype] button[type=submit]"), new Regex("/data/columns\\?"), "#next");
        Assert.True(File.Exists(Path.Combine(workspace, "datasets", "sample-train.csv")));
        await page.CheckAsync("input[name=label][value=Label]");
        foreach (var box in await page.Locator("input[name=text]").AllAsync())
            if (await box.GetAttributeAsync("value") != "Text") await box.UncheckAsync();
        await page.CheckAsync("input[name=text][value=Text]");
        Assert.Equal("spam", await page.InputValueAsync("#positive")); // the rarer class of the sample
        Assert.Contains("Label distribution of 'Label'", await page.InnerTextAsync("main"));
        await UiHarness.ShotAsync(page, "03-columns");
        // 3 data steps: strip e-mail headers, preview
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#next"), new Regex("/steps\\?"), "input[name=strip]");
        await page.CheckAsync("input[name=strip]");
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("button.secondary"), new Regex("strip=on"), "#step-preview tbody tr");
        string after = await page.InnerTextAsync("#step-preview tbody tr:first-child td:nth-child(3)");
        Assert.DoesNotContain("return-path:", after); // the header lines are gone after the step
        await UiHarness.ShotAsync(page, "04-steps");
        // 4 train: a 60-second search, watched live (no reload) in two tabs, without layout jumps
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#next"), new Regex("/train\\?"), "#start");
        await page.FillAsync("#budget", "60");
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#start"), new Regex("/runs/[^/]+$"), "#status");
        string runUrl = page.Url;
        string id = runUrl[(runUrl.LastIndexOf('/') + 1)..];
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        await UiLayout.TrackAsync(page);
        var completed = page.Locator("#leaderboard tbody tr[data-status=completed]");
        try
        {
            // two trials in the leaderboard while it runs (one finished, the next one running or finished): on a heavily
            // loaded machine one trial can take half the 60-s budget, so a second finished trial is not certain
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#leaderboard tbody tr').length >= 2 && document.querySelectorAll('#leaderboard tbody tr[data-status=completed]').length >= 1",
                null, new PageWaitForFunctionOptions { Timeout = 240_000 });
        }
        catch (TimeoutException)
        {
            string logFile = Path.Combine(workspace, "logs", id + ".log");
            Assert.Fail($"the leaderboard did not show two trials: {await page.InnerTextAsync("#status")}\n{(File.Exists(logFile) ? File.ReadAllText(logFile) : "(no log)")}");
        }
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the leaderboard must update without a reload");
        string statusWhileRunning = await page.GetAttributeAsync("#status", "data-status") ?? "";
        log.WriteLine($"status when the leaderboard showed 2 trials: {statusWhileRunning}");

        var tab2 = await ui.NewPageAsync();
        await ui.OpenAsync(tab2, $"/runs/{id}", "#leaderboard");
        await tab2.WaitForFunctionAsync("() => document.querySelectorAll('#leaderboard tbody tr[data-status=completed]').length >= 1");
        var seenIn2 = await CompletedAsync(tab2);
        var seenIn1 = await CompletedAsync(page);
        foreach (var (trial, metric) in seenIn2)
            Assert.True(seenIn1.TryGetValue(trial, out var m1) && m1 == metric, $"trial {trial} ({metric}) of the second tab is not in the first: {string.Join(", ", seenIn1)}");
        await UiHarness.ShotAsync(page, "05-train-live");

        // cancel: no new trial starts, the running one finishes, the finished ones are kept (a budget that runs out
        // first ends the run as completed: under load two trials can take most of the 60 s)
        int finishedBeforeCancel = await completed.CountAsync();
        string trialsDb = Path.Combine(workspace, "runs", id, "trials.db");
        int startedAtCancel = -1;
        if (statusWhileRunning == "running" && await page.IsEnabledAsync("#cancel"))
        {
            await page.RunAndWaitForResponseAsync(() => page.ClickAsync("#cancel"), r => r.Url.EndsWith("/cancel", StringComparison.Ordinal));
            startedAtCancel = MLNetLlm.Cli.Ui.StudyReader.Read(trialsDb, id).Count;
        }
        await page.WaitForFunctionAsync("() => ['interrupted','completed','failed'].includes(document.querySelector('#status')?.getAttribute('data-status'))",
            null, new PageWaitForFunctionOptions { Timeout = 240_000 });
        string final = await page.GetAttributeAsync("#status", "data-status") ?? "";
        Assert.Contains(final, new[] { "interrupted", "completed" });
        var trialsAtEnd = MLNetLlm.Cli.Ui.StudyReader.Read(trialsDb, id);
        if (startedAtCancel > 0) Assert.Equal(startedAtCancel, trialsAtEnd.Count);
        Assert.True(trialsAtEnd.Count(t => t.Metric != null) >= finishedBeforeCancel);
        Assert.Equal(trialsAtEnd.Count(t => t.Metric != null), await completed.CountAsync());
        log.WriteLine($"cancelled with {startedAtCancel} trial(s) started: {final}");
        var run = RunConfig.Load(Path.Combine(workspace, "runs", id, RunConfig.FileName));
        Assert.Equal(final, run.Status);
        await UiHarness.ShotAsync(page, "06-train");
        var boardBefore = await page.InnerTextAsync("#leaderboard tbody");
        log.WriteLine($"layout recorded {await UiLayout.AssertStableAsync(page, minRows: 2)} times while trials were added: nothing above the leaderboard moved");

        // 5 evaluate: metrics from metrics.json, then try it
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#evaluate"), new Regex("/evaluate$"), "#metrics");
        string f1 = await page.InnerTextAsync("#metrics tbody tr:has(td:text-is('f1 (primary)')) td:nth-child(2)");
        var metrics = Evaluation.MetricsReport.Load(Path.Combine(workspace, "runs", id, TrainingRun.MetricsFileName));
        Assert.Equal(Evaluation.MetricsReport.Format(metrics.Metrics["f1"]), f1);
        // the page's per-class F1 (from the confusion matrix) and ROC area (from the saved model's validation predictions)
        // are computed apart from ML.NET's metrics, and must agree with them
        Assert.Equal(f1, await page.InnerTextAsync("#per-class tbody tr:has(td:text-is('spam')) td:nth-child(5)"));
        string roc = await page.InnerTextAsync("#roc-auc");
        var aucs = Regex.Matches(roc, "[01]\\.[0-9]{4}").Select(x => double.Parse(x.Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(2, aucs.Length);
        Assert.Equal(metrics.Metrics["auc"], aucs[1], 4);
        Assert.Equal(aucs[1], aucs[0], 3);
        // the precision-recall curve of the same predictions: its chart is served and its average precision is shown
        Assert.Matches(new Regex("^Average precision: [01]\\.[0-9]{4} \\(the run's aucPr: [01]\\.[0-9]{4}\\)\\.$"), await page.InnerTextAsync("#average-precision"));
        Assert.True(await page.EvaluateAsync<bool>("() => { const i = document.querySelector('img[src$=\"/pr.png\"]'); return i.complete && i.naturalWidth === 480; }"));
        int mistakes = (int)(metrics.ConfusionMatrix![0][1] + metrics.ConfusionMatrix[1][0]);
        Assert.Equal(Math.Min(5, mistakes), await page.Locator("#mistakes tbody tr").CountAsync());
        const string mail = "Subject: You are a WINNER!\n\nCongratulations, you won a FREE prize of $1,000,000 CASH. Click here now to claim your money, offer ends today!";
        await page.FillAsync("#try-0", mail);
        await page.ClickAsync("#predict");
        await page.WaitForSelectorAsync("#predicted-label");
        string shownLabel = await page.InnerTextAsync("#predicted-label");
        string shownText = await page.InnerTextAsync("#prediction");
        await UiHarness.ShotAsync(page, "07-evaluate");

        // 6 consume: download the model, load it with the library, predict the same mail
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#consume"), new Regex("/consume$"), "#download-model");
        Assert.Contains("Generated by mlnet-llm train", await page.InnerTextAsync("pre code"));
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-model"));
        string downloaded = _tmp.File("downloaded.mlnetllm");
        await download.SaveAsAsync(downloaded);
        Assert.Equal(File.ReadAllBytes(Path.Combine(workspace, "runs", id, TrainingRun.ModelFileName)), File.ReadAllBytes(downloaded));
        var model = new MLContext(seed: 1).Llm().Model.Load(downloaded, out var schema);
        Assert.NotNull(model);
        Assert.Contains(schema, c => c.Name == "Text");
        var predictor = ModelPredictor.Load(downloaded);
        var expected = predictor.Predict([mail]);
        Assert.Equal(expected.Label, shownLabel);
        Assert.Contains(expected.Probability!.Value.ToString("0.0000", CultureInfo.InvariantCulture), shownText);
        await UiHarness.ShotAsync(page, "08-consume");

        // a restart: a new server on the same workspace shows the same run and leaderboard
        await ui.StopServerAsync();
        await ui.StartServerAsync();
        var again = await ui.NewPageAsync();
        await ui.OpenAsync(again, $"/runs/{id}", "#leaderboard");
        Assert.Equal(final, await again.GetAttributeAsync("#status", "data-status"));
        Assert.Equal(boardBefore, await again.InnerTextAsync("#leaderboard tbody"));
        await UiHarness.ShotAsync(again, "09-after-restart");
        log.WriteLine($"run {id}: {final}; predicted '{shownLabel}'");
    }

    static async Task<Dictionary<string, string>> CompletedAsync(IPage page)
    {
        var rows = await page.EvalOnSelectorAllAsync<string[][]>("#leaderboard tbody tr[data-status=completed]",
            "rows => rows.map(r => [r.children[1].innerText, r.children[3].innerText])");
        return rows.ToDictionary(r => r[0], r => r[1]);
    }

    public void Dispose() => _tmp.Dispose();
}
