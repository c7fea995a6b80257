using System.CommandLine;
using System.Security.Cryptography;
using MLNetLlm.Cli.Ui;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm ui</c>: the Model Builder workflow in the browser (a local web app over the same training code as <c>train</c>).</summary>
internal static class UiCommand
{
    public static Command Create(CliContext context)
    {
        var workspace = new Option<string>("--workspace", "-w") { Description = "The folder holding datasets/, runs/ and logs/ (default ./mlnet-llm-workspace; created if missing).", DefaultValueFactory = _ => "mlnet-llm-workspace" };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1: this machine only). Another address prints a warning and requires an access token.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The port (default 0: a free port, printed)." };
        var token = new Option<string?>("--token") { Description = "The access token with a --host beyond loopback (default: a random one, printed in the URL)." };
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "The largest data file accepted by upload, in MB (default 50).", DefaultValueFactory = _ => UiOptions.DefaultMaxUploadBytes / (1024.0 * 1024) };
        var noBrowser = new Option<bool>("--no-browser") { Description = "Do not open the URL in a browser (by default it is opened with $BROWSER, xdg-open or open when a display is available and CI is not set)." };
        var command = new Command("ui", "Open the Model Builder-style wizard in the browser: scenario, data, data steps, train with a live leaderboard, evaluate with try-it, consume.")
        {
            workspace, host, port, token, maxUpload, noBrowser,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            string h = parse.GetValue(host)!;
            bool loopback = new UiOptions { Host = h, Workspace = "." }.IsLoopback;
            double mb = parse.GetValue(maxUpload);
            if (!(mb > 0)) throw new CliException($"--max-upload-mb must be a positive number, not {mb}.");
            var options = new UiOptions
            {
                Host = h, Port = parse.GetValue(port), Workspace = parse.GetValue(workspace)!, MaxUploadBytes = (long)(mb * 1024 * 1024),
                Token = parse.GetValue(token) ?? (loopback ? null : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))),
            };
            if (!loopback)
                context.Err.WriteLine($"mlnet-llm: warning: --host {h} serves the UI beyond this machine, without TLS: anyone who can reach it and has the token can read the workspace and train. Use 127.0.0.1 unless that is what you want.");
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
            try
            {
                var server = UiServer.StartAsync(options).GetAwaiter().GetResult();
                try
                {
                    string url = server.Address + (options.Token is { } t ? "?token=" + t : "");
                    context.Out.WriteLine($"mlnet-llm ui: {url}  (workspace {Path.GetFullPath(options.Workspace)}; Ctrl+C to stop)");
                    if (!parse.GetValue(noBrowser) && options.IsLoopback)
                    {
                        if (BrowserLauncher.Open(url, Environment.GetEnvironmentVariable, out string? why) is { } opened) context.Out.WriteLine($"Opened it with {opened}.");
                        else if (why != null && !why.StartsWith("CI", StringComparison.Ordinal)) context.Out.WriteLine($"Not opening a browser: {why}; open the URL yourself.");
                    }
                    context.Out.Flush();
                    UiServer.WaitAsync(stop.Token).GetAwaiter().GetResult();
                    context.Out.WriteLine("Stopping: runs started here stop after their running trials and write their output.");
                }
                finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            }
            finally { Console.CancelKeyPress -= onCancel; }
            return 0;
        }));
        return command;
    }
}
