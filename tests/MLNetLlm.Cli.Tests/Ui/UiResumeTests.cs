using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.Cli.Training;
using MLNetLlm.Cli.Ui;
using Xunit.Abstractions;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>
/// A search started from a terminal into the UI's workspace: the UI follows it live while its process runs (no cancel,
/// no resume), shows it resumable once the process is killed, and the Resume button continues it in the UI with every
/// finished trial kept.
/// </summary>
public sealed class UiResumeTests(ITestOutputHelper log) : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    readonly TempFolder _tmp = new();

    [BrowserFact]
    [Trait("Speed", "Slow")]
    public async Task AKilledRunIsFollowedLiveThenResumedFromTheBrowserKeepingItsFinishedTrials()
    {
        string workspace = _tmp.File("workspace");
        await using var ui = await UiHarness.StartAsync(workspace);
        const string id = "from-terminal";
        string folder = Path.Combine(workspace, "runs", id), runJson = Path.Combine(folder, RunConfig.FileName), db = Path.Combine(folder, "trials.db");

        // mlnet-llm train in its own process, writing into the workspace's runs/ folder (more trials than it will get)
        using var child = new ToolChild("train", "--dataset", UiHarness.RepoFile("data", "spam", "sample-train.csv"), "--label-col", "Label", "--text-col", "Text",
            "--positive-label", "spam", "--max-trials", "200", "--tuner", "random", "--output", folder);
        var until = DateTime.UtcNow + Patience;
        while (!(File.Exists(runJson) && File.Exists(db)))
        {
            Assert.True(DateTime.UtcNow < until, $"the run did not start:\n{child.Out}\n{child.Err}");
            await Task.Delay(100);
        }

        // the UI shows it running elsewhere, with neither cancel nor resume, and follows it live
        var page = await ui.NewPageAsync();
        await ui.OpenAsync(page, $"/runs/{id}", "#leaderboard");
        Assert.Equal(RunManager.Elsewhere, await page.GetAttributeAsync("#status", "data-status"));
        Assert.True(await page.IsVisibleAsync("#elsewhere"));
        Assert.Equal(0, await page.Locator("#cancel").CountAsync());
        Assert.Equal(0, await page.Locator("#resume").CountAsync());
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");
        await UiLayout.TrackAsync(page);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#leaderboard tbody tr[data-status=completed]').length >= 2",
            null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal(RunManager.Elsewhere, await page.GetAttributeAsync("#status", "data-status"));
        await UiHarness.ShotAsync(page, "resume-1-elsewhere");

        // kill -9: no chance to write anything; run.json still says running
        child.Signal("KILL");
        child.WaitForExit(Patience);
        Assert.Equal("running", JsonDocument.Parse(File.ReadAllText(runJson)).RootElement.GetProperty("status").GetString());
        await page.WaitForFunctionAsync($"() => document.querySelector('#status')?.getAttribute('data-status') === '{RunManager.Stopped}'");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page must follow the run without a reload");
        log.WriteLine($"layout recorded {await UiLayout.AssertStableAsync(page, minRows: 2)} times while the terminal's trials came in");
        var finished = await CompletedAsync(page);
        var stored = StudyReader.Read(db, id);
        Assert.Equal(stored.Where(t => t.Metric != null).Select(t => t.Number.ToString()).Order(), finished.Keys.Order());
        Assert.True(finished.Count >= 2);
        Assert.Equal(0, await page.Locator("#evaluate").CountAsync()); // killed before it wrote a model
        await UiHarness.ShotAsync(page, "resume-2-stopped");

        // Resume from the keyboard, without a time budget (the run's own limit: 200 trials); cancelled below once a new
        // trial has finished (a time budget could end before the next trial does on a loaded machine)
        Assert.Equal("", await page.InputValueAsync("#resume-budget"));
        for (int i = 0; i < 80 && await page.EvaluateAsync<string>("() => document.activeElement.id") != "resume"; i++) await page.Keyboard.PressAsync("Tab");
        Assert.Equal("resume", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await UiHarness.NavigatedAsync(page, () => page.Keyboard.PressAsync("Enter"), new Regex($"/runs/{id}$"), "#leaderboard");
        string resumed = await page.GetAttributeAsync("#status", "data-status") ?? "";
        log.WriteLine($"status after Resume: {resumed}");
        Assert.Contains(resumed, new[] { "running", "completed" });
        // the finished trials are there from the start, with their metrics
        var atResume = await CompletedAsync(page);
        foreach (var (trial, metric) in finished)
            Assert.True(atResume.TryGetValue(trial, out var m) && m == metric, $"trial {trial} ({metric}) is missing after Resume: {string.Join(", ", atResume)}");
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('#leaderboard tbody tr[data-status=completed]').length > {finished.Count}",
            null, new PageWaitForFunctionOptions { Timeout = (float)(2 * Patience.TotalMilliseconds) });
        await UiHarness.ShotAsync(page, "resume-3-resumed");
        Assert.True(await page.IsEnabledAsync("#cancel"), "a resumed run runs in the UI: it can be cancelled");
        await page.ClickAsync("#cancel");
        await page.WaitForFunctionAsync("() => ['interrupted','completed'].includes(document.querySelector('#status')?.getAttribute('data-status'))",
            null, new PageWaitForFunctionOptions { Timeout = (float)(2 * Patience.TotalMilliseconds) });
        string final = await page.GetAttributeAsync("#status", "data-status") ?? "";

        // one study, the old trials unchanged and new ones added, the run's output written in the same folder
        var end = StudyReader.Read(db, id);
        Assert.Equal(end.Count, end.Select(t => t.Number).Distinct().Count());
        foreach (var (trial, metric) in finished)
            Assert.Equal(metric, UiText.F(end.Single(t => t.Number.ToString() == trial).Metric!.Value));
        var completedAtEnd = await CompletedAsync(page);
        Assert.Equal(end.Count(t => t.Metric != null), completedAtEnd.Count);
        Assert.True(completedAtEnd.Count > finished.Count);
        Assert.Equal(final, RunConfig.Load(runJson).Status);
        Assert.Contains($"Resuming study '{id}'", File.ReadAllText(Path.Combine(workspace, "logs", id + ".log")));
        Assert.Equal(final == "interrupted" ? 1 : 0, await page.Locator("#resume").CountAsync()); // a cancelled search can be resumed again

        // and it evaluates like any run
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("#evaluate"), new Regex("/evaluate$"), "#metrics");
        var metrics = Evaluation.MetricsReport.Load(Path.Combine(folder, TrainingRun.MetricsFileName));
        Assert.Equal(Evaluation.MetricsReport.Format(metrics.Metrics["f1"]), await page.InnerTextAsync("#metrics tbody tr:has(td:text-is('f1 (primary)')) td:nth-child(2)"));
        await UiHarness.ShotAsync(page, "resume-4-evaluate");
        log.WriteLine($"{finished.Count} trial(s) finished before the kill, {completedAtEnd.Count} at the end");
    }

    static async Task<Dictionary<string, string>> CompletedAsync(IPage page)
    {
        var rows = await page.EvalOnSelectorAllAsync<string[][]>("#leaderboard tbody tr[data-status=completed]",
            "rows => rows.map(r => [r.children[1].innerText, r.children[3].innerText])");
        return rows.ToDictionary(r => r[0], r => r[1]);
    }

    public void Dispose() => _tmp.Dispose();
}
