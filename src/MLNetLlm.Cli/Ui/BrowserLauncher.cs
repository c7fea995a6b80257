using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// Opens the UI's URL in the user's browser when one is available: the command in <c>$BROWSER</c> when set (the first
/// of its ':'-separated commands; a <c>%s</c> in it is the URL, otherwise the URL is appended), else <c>xdg-open</c> on
/// Linux with a display, <c>open</c> on macOS, the shell on Windows. Never in CI (<c>CI</c> set) or with
/// <c>MLNETLLM_NO_BROWSER=1</c> (and never with <c>mlnet-llm ui --no-browser</c>, which does not call it).
/// </summary>
internal static class BrowserLauncher
{
    /// <summary>The command that opens <paramref name="url"/>, or null and the reason none is run.</summary>
    public static (string File, IReadOnlyList<string> Args)? Plan(string url, Func<string, string?> env, out string? reason, OSPlatform? os = null)
    {
        reason = null;
        static bool Set(string? v) => !string.IsNullOrWhiteSpace(v) && v.Trim() is not ("0" or "false" or "False" or "FALSE");
        if (Set(env("CI"))) { reason = "CI is set"; return null; }
        if (env("MLNETLLM_NO_BROWSER") is "1" or "true") { reason = "MLNETLLM_NO_BROWSER is set"; return null; }
        if (env("BROWSER") is { } browser && browser.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() is { } first)
        {
            var parts = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            bool placeholder = parts.Any(p => p.Contains("%s", StringComparison.Ordinal));
            var args = parts.Skip(1).Select(p => p.Replace("%s", url, StringComparison.Ordinal)).ToList();
            if (!placeholder) args.Add(url);
            return (parts[0], args);
        }
        var platform = os ?? (OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux);
        if (platform == OSPlatform.Windows) return ("explorer.exe", [url]);
        if (platform == OSPlatform.OSX) return ("open", [url]);
        if (string.IsNullOrEmpty(env("DISPLAY")) && string.IsNullOrEmpty(env("WAYLAND_DISPLAY")))
        {
            reason = "no display (DISPLAY and WAYLAND_DISPLAY are unset) and no $BROWSER";
            return null;
        }
        return ("xdg-open", [url]);
    }

    /// <summary>Starts the browser on <paramref name="url"/> without waiting for it; returns what was run, or null and why not.</summary>
    public static string? Open(string url, Func<string, string?> env, out string? reason)
    {
        if (Plan(url, env, out reason) is not { } plan) return null;
        var start = new ProcessStartInfo(plan.File) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in plan.Args) start.ArgumentList.Add(a);
        try
        {
            var process = Process.Start(start);
            if (process == null) { reason = $"{plan.File} did not start"; return null; }
            // the browser's chatter is not the UI's: read and drop it so that a full pipe never blocks it
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
            return string.Join(' ', [plan.File, .. plan.Args]);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            reason = $"{plan.File} could not be run ({ex.Message})";
            return null;
        }
    }
}
