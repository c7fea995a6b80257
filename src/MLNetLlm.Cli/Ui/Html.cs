using System.Globalization;
using System.Net;
using System.Text;

namespace MLNetLlm.Cli.Ui;

/// <summary>The page frame (steps bar, skip link, styles) and small HTML helpers; every value shown is encoded.</summary>
internal static class Html
{
    public static readonly (string Key, string Title)[] Steps =
        [("scenario", "1 Scenario"), ("data", "2 Data"), ("steps", "3 Data steps"), ("train", "4 Train"), ("evaluate", "5 Evaluate"), ("consume", "6 Consume")];

    public static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    public static string F(double v, string format = "0.0000") => double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A whole page: <paramref name="step"/> is highlighted in the steps bar; <paramref name="links"/> are the steps' URLs known so far.</summary>
    public static string Page(string title, string step, string body, IReadOnlyDictionary<string, string>? links = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<meta name=\"color-scheme\" content=\"light dark\">");
        sb.Append($"<title>{E(title)} · mlnet-llm</title><link rel=\"stylesheet\" href=\"/static/app.css\"><script src=\"/static/app.js\" defer></script></head><body>");
        sb.Append("<a class=\"skip\" href=\"#main\">Skip to content</a>");
        sb.Append("<header><a class=\"brand\" href=\"/\">mlnet-llm</a><nav aria-label=\"Wizard steps\"><ol class=\"steps\">");
        foreach (var (key, name) in Steps)
        {
            bool current = key == step;
            string? href = key == "scenario" ? "/" : links != null && links.TryGetValue(key, out var l) ? l : null;
            sb.Append("<li>");
            if (href != null) sb.Append($"<a href=\"{E(href)}\"{(current ? " aria-current=\"step\"" : "")}>{E(name)}</a>");
            else sb.Append($"<span{(current ? " aria-current=\"step\"" : "")}>{E(name)}</span>");
            sb.Append("</li>");
        }
        sb.Append("</ol></nav><a class=\"runs-link\" href=\"/runs\">Runs</a></header>");
        sb.Append($"<main id=\"main\" tabindex=\"-1\"><h1>{E(title)}</h1>{body}</main></body></html>");
        return sb.ToString();
    }

    /// <summary>An error box (role alert: read out by screen readers).</summary>
    public static string Error(string? message) => message == null ? "" : $"<div class=\"error\" role=\"alert\" id=\"error\">{E(message)}</div>";

    /// <summary>A table with a header row; cells are encoded.</summary>
    public static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows, string? id = null, string? caption = null)
    {
        var sb = new StringBuilder($"<div class=\"scroll\"><table{(id != null ? $" id=\"{id}\"" : "")}>");
        if (caption != null) sb.Append($"<caption>{E(caption)}</caption>");
        sb.Append("<thead><tr>");
        foreach (var h in header) sb.Append($"<th scope=\"col\">{E(h)}</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var c in row) sb.Append($"<td>{E(c)}</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div>");
        return sb.ToString();
    }

    /// <summary>A horizontal bar chart as inline SVG (label distribution, class probabilities): colours from the page's theme.</summary>
    public static string Bars(string title, IReadOnlyList<(string Label, double Value)> bars, string format = "0")
    {
        if (bars.Count == 0) return "";
        double max = Math.Max(bars.Max(b => b.Value), 1e-12);
        const int rowH = 26, labelW = 140, barW = 300;
        int h = bars.Count * rowH + 8;
        var sb = new StringBuilder($"<figure><svg class=\"bars\" role=\"img\" aria-label=\"{E(title)}\" viewBox=\"0 0 {labelW + barW + 90} {h}\" width=\"{labelW + barW + 90}\" height=\"{h}\">");
        for (int i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            int y = i * rowH + 4;
            double w = Math.Max(1, barW * value / max);
            string shown = label.Length > 18 ? label[..18] + "…" : label;
            sb.Append($"<text x=\"{labelW - 6}\" y=\"{y + 17}\" text-anchor=\"end\">{E(shown)}</text>");
            sb.Append($"<rect x=\"{labelW}\" y=\"{y + 3}\" width=\"{w.ToString("0.#", CultureInfo.InvariantCulture)}\" height=\"{rowH - 8}\" rx=\"3\"/>");
            sb.Append($"<text x=\"{(labelW + w + 6).ToString("0.#", CultureInfo.InvariantCulture)}\" y=\"{y + 17}\">{E(value.ToString(format, CultureInfo.InvariantCulture))}</text>");
        }
        sb.Append($"</svg><figcaption>{E(title)}</figcaption></figure>");
        return sb.ToString();
    }

    public static string Truncate(string s, int n)
    {
        s = s.Replace("\r", " ").Replace("\n", " ");
        return s.Length > n ? s[..n] + "…" : s;
    }
}
