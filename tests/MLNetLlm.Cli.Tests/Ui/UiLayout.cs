using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>
/// "No layout jumps while the leaderboard updates", measured in the browser: the boxes (page coordinates) of what is
/// above the leaderboard, and the leaderboard's top, are recorded after every live update of a running run (htmx's
/// afterSettle) and when an image finishes loading; none may move or change size by more than half a pixel.
/// </summary>
public static class UiLayout
{
    /// <summary>The elements above the leaderboard on the train page; the leaderboard itself is checked by its top edge only (it grows).</summary>
    public static readonly string[] AboveTheLeaderboard = ["#status", ".progress-slot", "progress", ".chart", "#cancel", "#elsewhere"];

    const double Tolerance = 0.5;

    /// <summary>Starts recording on <paramref name="page"/> (the train page of a run, before its trials come in); records once now.</summary>
    public static Task TrackAsync(IPage page) => page.EvaluateAsync(@"(selectors) => {
        window.__layout = [];
        const record = (why) => {
            const status = document.querySelector('#status')?.getAttribute('data-status');
            if (status !== 'running' && status !== 'running elsewhere') return; // the end of a run may change the page
            const box = (e) => { const r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; };
            const boxes = {};
            for (const s of selectors) { const e = document.querySelector(s); if (e) boxes[s] = box(e); }
            const board = document.querySelector('#leaderboard');
            if (board) boxes['#leaderboard (top)'] = [board.getBoundingClientRect().left + scrollX, board.getBoundingClientRect().top + scrollY];
            window.__layout.push({ why, rows: document.querySelectorAll('#leaderboard tbody tr').length, boxes });
        };
        document.body.addEventListener('htmx:afterSettle', () => record('update'));
        document.addEventListener('load', (e) => { if (e.target.tagName === 'IMG') record('image'); }, true);
        record('start');
    }", AboveTheLeaderboard);

    /// <summary>
    /// Fails when an element moved or changed size by more than 0.5 px between recordings, or when fewer than
    /// <paramref name="minRows"/> leaderboard rows were seen (the check must have watched trials being added).
    /// Returns the number of recordings.
    /// </summary>
    public static async Task<int> AssertStableAsync(IPage page, int minRows)
    {
        // as JSON text: the boxes' number arrays inside objects do not survive Playwright's own serialisation as arrays
        string text = await page.EvaluateAsync<string>("() => JSON.stringify(window.__layout || [])");
        var records = JsonDocument.Parse(text).RootElement.EnumerateArray().ToList();
        Assert.True(records.Count >= 2, $"too few layout recordings ({records.Count}): was TrackAsync called on a running run?");
        int rows = records.Max(r => r.GetProperty("rows").GetInt32());
        Assert.True(rows >= minRows, $"the layout was recorded with at most {rows} leaderboard rows, not {minRows}");
        var first = new Dictionary<string, double[]>();
        foreach (var r in records)
        {
            foreach (var box in r.GetProperty("boxes").EnumerateObject())
            {
                var now = box.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray();
                if (!first.TryGetValue(box.Name, out var was)) { first[box.Name] = now; continue; }
                for (int i = 0; i < now.Length; i++)
                    Assert.True(Math.Abs(now[i] - was[i]) <= Tolerance,
                        $"{box.Name} moved ({"x,y,width,height".Split(',')[i]}: {F(was[i])} → {F(now[i])} px) on '{r.GetProperty("why").GetString()}' with {r.GetProperty("rows").GetInt32()} leaderboard rows");
            }
        }
        Assert.Contains(".chart", first.Keys);
        Assert.Contains("#leaderboard (top)", first.Keys);
        return records.Count;
    }

    static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
