using System.CommandLine;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Serving;

namespace MLNetLlm.Cli.Commands;

/// <summary><c>mlnet-llm serve</c>: an HTTP prediction server for a model on the loopback address (another --host is warned about).</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file (model.mlnetllm from train).", Required = true };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "The port (default 5000; 0 picks a free port and prints it).", DefaultValueFactory = _ => 5000 };
        var maxBytes = new Option<long>("--max-request-bytes") { Description = "The largest request body accepted (default 1048576).", DefaultValueFactory = _ => 1 << 20 };
        var maxBatch = new Option<int>("--max-batch") { Description = "The most rows in one batch request (default 256).", DefaultValueFactory = _ => 256 };
        var command = new Command("serve", "Serve a model over HTTP: POST /predict (one JSON object or an array), GET /health, GET /metadata.")
        {
            model, host, port, maxBytes, maxBatch,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!, Port = parse.GetValue(port), MaxRequestBytes = parse.GetValue(maxBytes), MaxBatchSize = parse.GetValue(maxBatch),
                ErrorLog = context.Err,
            };
            options.Validate();
            if (!options.IsLoopback)
                context.Err.WriteLine($"mlnet-llm: warning: --host {options.Host} serves the model beyond this machine (every interface it names), without authentication or TLS: anyone who can reach port {options.Port} can use it. Use 127.0.0.1 unless that is what you want.");
            var predictor = ModelPredictor.Load(parse.GetValue(model)!);
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            // Stop cleanly on SIGTERM too (service managers, containers).
            using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, signal => { signal.Cancel = true; stop.Cancel(); });
            try
            {
                var server = PredictionServer.StartAsync(predictor, options).GetAwaiter().GetResult();
                try
                {
                    context.Out.WriteLine($"Serving {predictor.Signature.Task.ToString().ToLowerInvariant()} model {predictor.Path} on {server.Address} (Ctrl+C to stop)");
                    context.Out.WriteLine($"  POST {server.Address}predict   GET {server.Address}health   GET {server.Address}metadata");
                    context.Out.Flush();
                    server.WaitAsync(stop.Token).GetAwaiter().GetResult();
                }
                finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            }
            finally { Console.CancelKeyPress -= onCancel; }
            return 0;
        }));
        return command;
    }
}
