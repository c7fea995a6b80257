using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MLNetLlm.Cli.Ui;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>A UI server on a temporary workspace and a headless chromium to drive it; screenshots go to <see cref="Screenshots"/>.</summary>
public sealed class UiHarness : IAsyncDisposable
{
    /// <summary>Debian's chromium package (scripts/prereqs.sh installs it).</summary>
    public const string Chromium = "/usr/bin/chromium";

    IPlaywright? _playwright;
    UiServer? _server;

    UiHarness(string workspace, long maxUpload)
    {
        Workspace = workspace;
        MaxUpload = maxUpload;
    }

    public string Workspace { get; }
    public long MaxUpload { get; }
    public IBrowser Browser { get; private set; } = null!;
    public Uri Address => _server!.Address;

    /// <summary>Where the screenshots of the browser tests are written (the test output folder's ui-screenshots).</summary>
    public static string Screenshots { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "ui-screenshots")).FullName;

    public static async Task<UiHarness> StartAsync(string workspace, long maxUpload = UiOptions.DefaultMaxUploadBytes)
    {
        var h = new UiHarness(workspace, maxUpload);
        await h.StartServerAsync();
        h._playwright = await Playwright.CreateAsync();
        h.Browser = await h._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        return h;
    }

    /// <summary>Starts the UI server (again) on the workspace, on a new free port.</summary>
    public async Task StartServerAsync() =>
        _server = await UiServer.StartAsync(new UiOptions { Workspace = Workspace, MaxUploadBytes = MaxUpload });

    /// <summary>Stops the UI server as Ctrl+C does (runs started by it stop after their running trials).</summary>
    public async Task StopServerAsync()
    {
        if (_server != null) await _server.DisposeAsync();
        _server = null;
    }

    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800, ColorScheme scheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height }, ColorScheme = scheme, AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    public string Url(string path) => new Uri(Address, path).ToString();

    /// <summary>
    /// Opens <paramref name="path"/> and returns once <paramref name="ready"/> (a selector of the page's own content) is
    /// there. The wait is for that element, never for the load event, which waits for every image (a chart being drawn
    /// on a busy machine) and is what made the page waits flaky.
    /// </summary>
    public async Task OpenAsync(IPage page, string path, string ready)
    {
        await page.GotoAsync(Url(path), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await page.Locator(ready).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    /// <summary>
    /// Does <paramref name="action"/> (a click, a key) and returns once the browser is on a URL matching
    /// <paramref name="url"/> and <paramref name="ready"/> is in that page. The wait for the URL starts before the
    /// action, so a fast navigation cannot be missed; it ends when the answer starts (commit), not at the load event.
    /// </summary>
    public static async Task NavigatedAsync(IPage page, Func<Task> action, Regex url, string ready)
    {
        var navigated = page.WaitForURLAsync(url, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await action();
        await navigated;
        await page.Locator(ready).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
    }

    /// <summary>Saves a full-page screenshot as NAME.png in <see cref="Screenshots"/>; returns its path.</summary>
    public static async Task<string> ShotAsync(IPage page, string name)
    {
        string path = Path.Combine(Screenshots, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Every file under the workspace with its size: what "unchanged" means for a rejected upload.</summary>
    public string[] Snapshot() =>
        Directory.EnumerateFileSystemEntries(Workspace, "*", SearchOption.AllDirectories)
            .Select(p => $"{Path.GetRelativePath(Workspace, p)}:{(File.Exists(p) ? new FileInfo(p).Length : -1)}").Order(StringComparer.Ordinal).ToArray();

    public static string RepoFile(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "scripts", "prereqs.sh"))) return Path.Combine([d.FullName, .. parts]);
        throw new InvalidOperationException("scripts/prereqs.sh not found above the tests.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser != null) await Browser.CloseAsync();
        _playwright?.Dispose();
        await StopServerAsync();
    }
}
