using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MLNetLlm.Cli.Tests.Support;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>Bad uploads give a message on the page and leave the workspace unchanged (a small configured limit stands in for 100 MB).</summary>
public sealed class UiUploadTests : IDisposable
{
    readonly TempFolder _tmp = new();
    const long Limit = 64 * 1024;

    public static TheoryData<string, string, string> BadFiles => new()
    {
        { "empty", "empty.csv", "is empty" },
        { "binary", "binary.csv", "is a binary file" },
        { "too-large", "large.csv", "larger than the upload limit of 64 KB" },
        { "wrong-delimiter", "semicolons.csv", "the header has one column ('Label;Text')" },
        { "unclosed-quote", "quote.csv", "starts on line 3 is never closed" },
    };

    string Make(string kind, string name)
    {
        string path = _tmp.File(name);
        switch (kind)
        {
            case "empty": File.WriteAllBytes(path, []); break;
            case "binary": File.WriteAllBytes(path, [0x4c, 0x61, 0x62, 0x00, 0x01, 0xff, 0x00, 0x7f, 0x0a, 0x00]); break;
            case "too-large":
                var sb = new StringBuilder("Label,Text\n");
                for (int i = 0; sb.Length <= 2 * Limit; i++) sb.Append(i % 2 == 0 ? "ham" : "spam").Append(",row ").Append(i).Append(" of a file that is too large\n");
                File.WriteAllText(path, sb.ToString());
                break;
            case "wrong-delimiter": File.WriteAllText(path, "Label;Text\nham;see you at the meeting\nspam;free cash now\n"); break;
            case "unclosed-quote": File.WriteAllText(path, "Label,Text\nham,fine\nspam,\"free cash\nnever closed\n"); break;
        }
        return path;
    }

    [BrowserTheory]
    [MemberData(nameof(BadFiles))]
    public async Task ABadUploadShowsWhyAndImportsNothing(string kind, string name, string message)
    {
        string workspace = _tmp.File("workspace");
        await using var ui = await UiHarness.StartAsync(workspace, Limit);
        var page = await ui.NewPageAsync();
        await ui.OpenAsync(page, "/data?task=binary", "#file");
        var before = ui.Snapshot();
        await page.SetInputFilesAsync("#file", Make(kind, name));
        await page.ClickAsync("form[enctype] button[type=submit]");
        var error = page.Locator("#error");
        await error.WaitForAsync();
        string shown = await error.InnerTextAsync();
        Assert.Contains(message, shown);
        if (kind != "too-large") Assert.Contains(name, shown); // the size check may stop reading before the file name
        Assert.Matches(new Regex("/data/upload"), page.Url);
        Assert.Equal(before, ui.Snapshot());
        Assert.Contains("No data files yet", await page.InnerTextAsync("#datasets"));
        await UiHarness.ShotAsync(page, "upload-" + kind);
    }

    [BrowserFact]
    [Trait("Speed", "Slow")]
    public async Task AHundredMegabyteUploadIsOverTheDefaultLimitAndImportsNothing()
    {
        // a real 100 MB CSV (valid rows all the way) against the default limit of mlnet-llm ui, through the browser
        string path = _tmp.File("hundred-mb.csv");
        using (var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20))
        {
            w.Write("Label,Text\n");
            string row = "ham," + new string('x', 1000) + "\n";
            for (long written = 11; written < 100L * 1024 * 1024; written += row.Length) w.Write(row);
        }
        Assert.True(new FileInfo(path).Length >= 100L * 1024 * 1024);
        await using var ui = await UiHarness.StartAsync(_tmp.File("workspace"));
        Assert.True(ui.MaxUpload < new FileInfo(path).Length);
        var page = await ui.NewPageAsync();
        await ui.OpenAsync(page, "/data?task=binary", "#file");
        var before = ui.Snapshot();
        await page.SetInputFilesAsync("#file", path);
        await UiHarness.NavigatedAsync(page, () => page.ClickAsync("form[enctype] button[type=submit]"), new Regex("/data/upload"), "#error");
        Assert.Contains($"larger than the upload limit of {MLNetLlm.Cli.Ui.Workspace.FormatBytes(ui.MaxUpload)}", await page.InnerTextAsync("#error"));
        Assert.Equal(before, ui.Snapshot());
        Assert.Contains("No data files yet", await page.InnerTextAsync("#datasets"));
        await UiHarness.ShotAsync(page, "upload-100mb");
    }

    public void Dispose() => _tmp.Dispose();
}
