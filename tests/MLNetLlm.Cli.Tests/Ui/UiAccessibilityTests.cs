using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>Keyboard navigation with a visible focus, dark and light following the system, and no sideways scrolling at 1280×800 or on a narrow window.</summary>
public sealed class UiAccessibilityTests : IDisposable
{
    readonly TempFolder _tmp = new();

    [BrowserFact]
    public async Task TheWizardWorksFromTheKeyboardWithAVisibleFocus()
    {
        await using var ui = await UiHarness.StartAsync(_tmp.File("workspace"));
        var page = await ui.NewPageAsync();
        await ui.OpenAsync(page, "/", "main button[type=submit]");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        // the focused skip link is on screen and outlined
        var box = await page.EvaluateAsync<double[]>("() => { const r = document.activeElement.getBoundingClientRect(); return [r.left, r.top, r.width]; }");
        Assert.True(box[0] >= 0 && box[1] >= 0 && box[2] > 0, $"the focused skip link is off screen: {string.Join(", ", box)}");
        Assert.True(await OutlineWidthAsync(page) >= 2, "focus must be visible (an outline of 2px or more)");
        // Tab to the scenario radios, arrow to the second, Tab to the button, Enter: the data step of a multiclass run
        for (int i = 0; i < 40 && await page.EvaluateAsync<string>("() => document.activeElement.name || ''") != "task"; i++) await page.Keyboard.PressAsync("Tab");
        Assert.Equal("binary", await page.EvaluateAsync<string>("() => document.activeElement.value"));
        Assert.True(await OutlineWidthAsync(page) >= 2, "the focused radio must be outlined");
        await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal("multiclass", await page.EvaluateAsync<string>("() => document.activeElement.value"));
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("BUTTON", await page.EvaluateAsync<string>("() => document.activeElement.tagName"));
        Assert.True(await OutlineWidthAsync(page) >= 2, "the focused button must be outlined");
        await UiHarness.ShotAsync(page, "keyboard-focus");
        // Enter submits the form: the wait for its navigation starts before the key, so that it cannot be missed
        var navigated = page.WaitForURLAsync(new Regex("/data\\?task=multiclass"), new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
        await page.Keyboard.PressAsync("Enter");
        await navigated;
        Assert.Equal("Data", await page.InnerTextAsync("h1"));
    }

    static Task<double> OutlineWidthAsync(IPage page) =>
        page.EvaluateAsync<double>("() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }");

    [BrowserFact]
    public async Task DarkAndLightFollowTheSystemAndPagesFitWideAndNarrowWindows()
    {
        string workspace = _tmp.File("workspace");
        Directory.CreateDirectory(Path.Combine(workspace, "datasets"));
        File.Copy(UiHarness.RepoFile("data", "spam", "sample-test.csv"), Path.Combine(workspace, "datasets", "sample-test.csv"));
        await using var ui = await UiHarness.StartAsync(workspace);
        const string columns = "/data/columns?task=binary&dataset=sample-test.csv";
        var backgrounds = new Dictionary<ColorScheme, string>();
        foreach (var (scheme, width, height) in new[] { (ColorScheme.Light, 1280, 800), (ColorScheme.Dark, 1280, 800), (ColorScheme.Light, 380, 800), (ColorScheme.Dark, 380, 800) })
        {
            var page = await ui.NewPageAsync(width, height, scheme);
            await ui.OpenAsync(page, columns, "#next");
            backgrounds[scheme] = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
            // nothing wider than the window: long tables scroll inside their own box
            int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            string wide = await page.EvaluateAsync<string>("() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !e.closest('.scroll')).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ')");
            Assert.True(overflow <= 0, $"{scheme} {width}x{height}: the page is {overflow}px wider than the window ({wide})");
            string text = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).color");
            Assert.NotEqual(backgrounds[scheme], text);
            await UiHarness.ShotAsync(page, $"columns-{scheme.ToString().ToLowerInvariant()}-{width}");
            await page.Context.CloseAsync();
        }
        Assert.Equal("rgb(255, 255, 255)", backgrounds[ColorScheme.Light]);
        Assert.Equal("rgb(22, 24, 28)", backgrounds[ColorScheme.Dark]);
    }

    public void Dispose() => _tmp.Dispose();
}
