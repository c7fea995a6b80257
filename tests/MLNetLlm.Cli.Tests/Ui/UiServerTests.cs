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
