using System.Net;
using System.Text;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.Cli.Ui;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>The UI without a browser: the import's all-or-nothing rule, the access token beyond loopback, the <c>ui</c> verb's option errors.</summary>
public sealed class UiServerTests : IDisposable
{
    readonly TempFolder _tmp = new();

    [Fact]
    public async Task AnImportChecksTheFileBeforeItEntersTheWorkspace()
    {
        var ws = new Workspace(_tmp.File("ws"));
        string[] Files() => Directory.EnumerateFiles(ws.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ws.Root, f)).Order().ToArray();
        var bad = Encoding.UTF8.GetBytes("Label,Text\nham,ok\nspam,\"open\n");
        var ex = await Assert.ThrowsAsync<DataFileException>(() => ws.ImportAsync("../evil name.csv", new MemoryStream(bad), 1 << 20, default));
        Assert.Contains("'evil_name.csv': the quoted field that starts on line 3 is never closed", ex.Message);
        Assert.Empty(Files());
        var tooBig = await Assert.ThrowsAsync<DataFileException>(() => ws.ImportAsync("big.csv", new MemoryStream(new byte[2048]), 1024, default));
        Assert.Contains("larger than the upload limit of 1 KB", tooBig.Message);
        Assert.Empty(Files());

        var good = Encoding.UTF8.GetBytes("Label,Text\nham,see you at lunch\nspam,free cash\n");
        Assert.Equal("data.csv", await ws.ImportAsync("data.csv", new MemoryStream(good), 1 << 20, default));
        Assert.Equal("data-2.csv", await ws.ImportAsync("data.csv", new MemoryStream(good), 1 << 20, default)); // never overwrites
        Assert.Equal([Path.Combine("datasets", "data-2.csv"), Path.Combine("datasets", "data.csv")], Files());
        Assert.Equal(good, File.ReadAllBytes(Path.Combine(ws.Datasets, "data.csv")));
    }

    [Fact]
    public async Task BeyondLoopbackEveryRequestNeedsTheToken()
    {
        Assert.Throws<CliException>(() => new UiOptions { Host = "0.0.0.0", Workspace = _tmp.Path }.Validate());
        await using var server = await UiServer.StartAsync(new UiOptions { Host = "127.0.0.1", Workspace = _tmp.File("ws"), Token = "s3cret" });
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/?token=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/?token=s3cret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/data")).StatusCode); // the cookie set by the first visit
    }

    [Fact]
    public void TheUiVerbNamesABadOption()
    {
        CliResult.Run("ui", "--port", "70000", "--workspace", _tmp.File("ws")).AssertOneLineError("--port 70000");
        CliResult.Run("ui", "--max-upload-mb", "0", "--workspace", _tmp.File("ws")).AssertOneLineError("--max-upload-mb");
    }

    [Fact]
    public async Task PagesAreRazorViewsThatEncodeWhatTheyShowAndHtmxIsServedFromTheTool()
    {
        var ws = new Workspace(_tmp.File("ws"));
        Directory.CreateDirectory(ws.Datasets);
        File.WriteAllText(Path.Combine(ws.Datasets, "tags.csv"), "<b>kind</b>,Text\nham,see you at <i>lunch</i>\nspam,free cash\nham,ok\n");
        await using var server = await UiServer.StartAsync(new UiOptions { Workspace = ws.Root });
        using var http = new HttpClient { BaseAddress = server.Address };

        string home = await http.GetStringAsync("/");
        Assert.Contains("<script src=\"/static/htmx.min.js\" defer></script>", home);
        Assert.Contains("<script src=\"/static/htmx-sse.js\" defer></script>", home);
        var links = System.Text.RegularExpressions.Regex.Matches(home, "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("/static/app.css", links);
        Assert.All(links, l => Assert.True((l.StartsWith('/') && !l.StartsWith("//")) || l.StartsWith('#'), $"{l} is not served by the UI itself")); // works offline
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(home, "<input type=\"radio\" name=\"task\"").Count);
        Assert.Contains("<a href=\"/\" aria-current=\"step\">1 Scenario</a>", home);

        var htmx = await http.GetAsync("/static/htmx.min.js");
        Assert.Equal("text/javascript", htmx.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version:\"1.9.12\"", await htmx.Content.ReadAsStringAsync());
        Assert.Contains("htmx.defineExtension(\"sse\"", await http.GetStringAsync("/static/htmx-sse.js"));
        Assert.Contains("Zero-Clause BSD", await http.GetStringAsync("/static/htmx.LICENSE.txt"));

        // what came from the file is encoded: a header and a cell with tags show as text
        string columns = await http.GetStringAsync("/data/columns?task=binary&dataset=tags.csv&label=%3Cb%3Ekind%3C%2Fb%3E&text=Text");
        Assert.Contains("<th scope=\"row\">&lt;b&gt;kind&lt;/b&gt;</th>", columns);
        Assert.Contains("see you at &lt;i&gt;lunch&lt;/i&gt;", columns);
        Assert.DoesNotContain("<i>lunch</i>", columns);
        Assert.Contains("aria-label=\"Label distribution of &#x27;&lt;b&gt;kind&lt;/b&gt;&#x27;\"", columns);

        var missing = await http.GetAsync("/runs/no-such-run");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("<div class=\"error\" role=\"alert\" id=\"error\">There is no run &#x27;no-such-run&#x27; in the workspace.</div>", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheLeaderboardIsReadWhileASearchHoldsTheWriteLockAndNeverWritten()
    {
        // a finished AutoML run in the workspace, its trials in runs/r1/trials.db (SQLite in WAL mode, as the CLI keeps it)
        var ws = new Workspace(_tmp.File("ws"));
        string data = _tmp.Write("train.csv", SyntheticData.Classification(80, seed: 5, "spam", "ham"));
        string folder = Path.Combine(ws.Runs, "r1"), db = Path.Combine(folder, "trials.db");
        CliResult.Run("train", "--dataset", data, "--positive-label", "spam", "--max-trials", "3", "--tuner", "random", "--output", folder).AssertSuccess();
        IReadOnlyList<MLNetLlm.AutoML.Storage.StoredTrial> stored;
        using (var storage = new MLNetLlm.AutoML.Storage.SqliteTrialStorage(db))
            stored = await storage.GetTrialsAsync((await storage.FindStudyAsync("r1"))!.Id);
        Assert.Equal(3, stored.Count);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); // the writer below is the only other connection

        // another process's search holds the write lock: a write transaction that is not committed
        using var writer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False");
        writer.Open();
        using var tx = writer.BeginTransaction(deferred: false); // BEGIN IMMEDIATE
        using (var probe = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False;Default Timeout=1"))
        {
            probe.Open();
            var busy = Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => probe.BeginTransaction(deferred: false));
            Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY: the lock is really held
        }
        string[] Files() => Directory.EnumerateFiles(folder, "trials.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetFileName(f)} {File.GetLastWriteTimeUtc(f):O} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}").ToArray();
        var before = Files();

        await using (var server = await UiServer.StartAsync(new UiOptions { Workspace = ws.Root }))
        {
            // the old reader queued behind the writer for its 30 s busy timeout and then showed no trials
            using var http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(20) };
            foreach (string page in new[] { "/runs/r1", "/runs/r1/fragment" })
            {
                string html = await http.GetStringAsync(page);
                var rows = System.Text.RegularExpressions.Regex.Matches(html, "<tr data-trial=\"(\\d+)\" data-status=\"(\\w+)\"><td>\\d+</td><td>\\d+</td><td>[^<]*</td><td>([^<]*)</td>");
                Assert.Equal(stored.Select(t => t.Number).Order(), rows.Select(m => int.Parse(m.Groups[1].Value)).Order());
                foreach (var t in stored.Where(t => t.Status == MLNetLlm.AutoML.Experiments.TrialStatus.Completed))
                    Assert.Equal(UiText.F(t.Metric), rows.Single(m => m.Groups[1].Value == t.Number.ToString()).Groups[3].Value);
                Assert.Contains("data-status=\"completed\"", html);
            }
            Assert.Contains(">3</td>", await http.GetStringAsync("/runs")); // the runs list counts the trials
        }
        Assert.Equal(before, Files()); // the UI wrote nothing: neither the database nor its journal changed
        tx.Rollback();
    }

    static Func<string, string?> Env(params (string Name, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void TheBrowserIsChosenFromBrowserOrThePlatformAndNeverInCi()
    {
        const string url = "http://127.0.0.1:5123/";
        Assert.Null(BrowserLauncher.Plan(url, Env(("CI", "true"), ("BROWSER", "firefox")), out var why));
        Assert.Equal("CI is set", why);
        Assert.Null(BrowserLauncher.Plan(url, Env(("MLNETLLM_NO_BROWSER", "1"), ("DISPLAY", ":0")), out why));
        Assert.Contains("MLNETLLM_NO_BROWSER", why);
        var browser = BrowserLauncher.Plan(url, Env(("CI", "false"), ("BROWSER", "my-browser --new-window %s:other-browser")), out _)!.Value;
        Assert.Equal("my-browser", browser.File);
        Assert.Equal(["--new-window", url], browser.Args);
        Assert.Equal(["--private", url], BrowserLauncher.Plan(url, Env(("BROWSER", "w3m --private")), out _)!.Value.Args);
        Assert.Null(BrowserLauncher.Plan(url, Env(), out why, System.Runtime.InteropServices.OSPlatform.Linux));
        Assert.Contains("no display", why);
        Assert.Equal(("xdg-open", url), BrowserLauncher.Plan(url, Env(("DISPLAY", ":0")), out _, System.Runtime.InteropServices.OSPlatform.Linux) is { } x ? (x.File, x.Args.Single()) : default);
        Assert.Equal("open", BrowserLauncher.Plan(url, Env(), out _, System.Runtime.InteropServices.OSPlatform.OSX)!.Value.File);
    }

    [Fact]
    public async Task TheBrowserCommandIsStartedWithTheUrl()
    {
        if (OperatingSystem.IsWindows()) return; // a shell script stands in for the browser
        string seen = _tmp.File("seen.txt");
        string script = _tmp.Write("browser.sh", $"#!/bin/sh\nprintf '%s' \"$1\" > '{seen}.tmp' && mv '{seen}.tmp' '{seen}'\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string? ran = BrowserLauncher.Open("http://127.0.0.1:5123/?token=abc", Env(("BROWSER", script)), out var why);
        Assert.True(ran != null, why);
        for (int i = 0; i < 300 && !File.Exists(seen); i++) await Task.Delay(100);
        Assert.Equal("http://127.0.0.1:5123/?token=abc", File.ReadAllText(seen));
        Assert.Null(BrowserLauncher.Open("http://127.0.0.1:5123/", Env(("BROWSER", _tmp.File("no-such-browser"))), out why));
        Assert.Contains("could not be run", why);
    }

    public void Dispose() => _tmp.Dispose();
}
