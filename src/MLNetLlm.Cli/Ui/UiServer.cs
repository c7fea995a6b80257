using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Htmx;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Serving;
using MLNetLlm.Cli.Training;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// <c>mlnet-llm ui</c>: the Model Builder wizard as a local web app (Kestrel, minimal API handlers answering with Razor
/// views from Ui/Views; htmx, served from the tool, for the live leaderboard's server-sent events, cancel, try-it and
/// serve without a page load; every form also works without JavaScript). Every step has a URL; training is the CLI's
/// <see cref="TrainingRun"/> writing the same output folder as <c>train</c>, and every page reads the run back from it.
/// </summary>
internal sealed class UiServer : IAsyncDisposable
{
    const string TokenCookie = "mlnet-llm-ui-token";
    readonly WebApplication _app;
    readonly RunManager _runs;
    readonly ConcurrentDictionary<string, (DateTime Written, ModelPredictor Predictor)> _predictors = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, PredictionServer> _serving = new(StringComparer.Ordinal);

    UiServer(WebApplication app, RunManager runs, Uri address)
    {
        _app = app;
        _runs = runs;
        Address = address;
    }

    /// <summary>The address the UI listens on, with the actual port.</summary>
    public Uri Address { get; private set; }

    /// <summary>Starts the UI over <paramref name="options"/>' workspace; returns once it accepts connections.</summary>
    public static async Task<UiServer> StartAsync(UiOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        var workspace = new Workspace(options.Workspace);
        var runs = new RunManager(workspace);
        // the application name is the tool's assembly, whose compiled Razor views MVC's view engine finds (also when a test host runs it)
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(UiServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddMvcCore().AddRazorViewEngine();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null; // uploads are limited by the upload handler, which answers with a page
            var ip = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            k.Listen(ip, options.Port);
        });
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = long.MaxValue);
        var app = builder.Build();
        UiServer server;
        app.Use(async (context, next) =>
        {
            if (options.Token is { } token && !Authorized(context, token))
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("mlnet-llm ui: open the URL with ?token=… that the command printed.");
                return;
            }
            try { await next(context); }
            catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
            {
                context.Response.Clear();
                string message = ex is CliException or DataFileException ? ex.Message : $"unexpected {ex.GetType().Name}: {ex.Message}";
                await UiView.Page(new MessagePage { Title = "Error", Error = message }, ex is CliException or DataFileException ? 400 : 500).ExecuteAsync(context);
            }
        });
        server = Map(app, workspace, runs, options);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new CliException($"Cannot listen on {options.Host}:{options.Port}: {ex.Message}", ex);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address);
        return server;
    }

    static bool Authorized(HttpContext context, string token)
    {
        static bool Same(string? a, string b) => a != null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
        if (Same(context.Request.Cookies[TokenCookie], token)) return true;
        if (!Same(context.Request.Query["token"].ToString(), token)) return false;
        context.Response.Cookies.Append(TokenCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict });
        return true;
    }

    static IResult HtmlResult(UiPage page, int status = 200) => UiView.Page(page, status);

    static UiServer Map(WebApplication app, Workspace ws, RunManager runs, UiOptions options)
    {
        var server = new UiServer(app, runs, new Uri("http://127.0.0.1/"));
        app.MapGet("/static/{name}", (string name) => Asset(name));
        app.MapGet("/", (HttpRequest r) => HtmlResult(WizardPages.Scenario(Draft.From(r.Query))));
        app.MapGet("/data", (HttpRequest r) => HtmlResult(WizardPages.Data(Draft.From(r.Query), ws, options.MaxUploadBytes)));
        app.MapPost("/data/upload", async (HttpRequest r, CancellationToken ct) =>
        {
            var d = Draft.From(r.Query);
            try
            {
                IFormCollection form;
                try { form = await r.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = options.MaxUploadBytes + 64 * 1024 }, ct); }
                catch (InvalidDataException)
                {
                    throw new DataFileException("upload", $"The upload is larger than the upload limit of {Workspace.FormatBytes(options.MaxUploadBytes)} (mlnet-llm ui --max-upload-mb): nothing was imported.");
                }
                var file = form.Files.GetFile("file");
                if (file == null || file.FileName.Length == 0) throw new DataFileException("upload", "Choose a file to upload.");
                await using var stream = file.OpenReadStream();
                d.Dataset = await ws.ImportAsync(file.FileName, stream, options.MaxUploadBytes, ct);
                d.Label = null;
                d.Text = [];
                return Results.Redirect("/data/columns?" + d.Query(false), preserveMethod: false);
            }
            catch (DataFileException ex)
            {
                return HtmlResult(WizardPages.Data(d, ws, options.MaxUploadBytes, ex.Message), 400);
            }
        });
        app.MapGet("/data/columns", (HttpRequest r) =>
        {
            var d = Draft.From(r.Query);
            if (ws.DatasetPath(d.Dataset) is not { } path) return HtmlResult(WizardPages.Data(d, ws, options.MaxUploadBytes, $"No data file '{d.Dataset}' in the workspace."), 404);
            return HtmlResult(WizardPages.Columns(d, DelimitedFile.Read(path)));
        });
        app.MapGet("/steps", (HttpRequest r) =>
        {
            var d = Draft.From(r.Query);
            if (ws.DatasetPath(d.Dataset) is not { } path) return HtmlResult(WizardPages.Data(d, ws, options.MaxUploadBytes, $"No data file '{d.Dataset}' in the workspace."), 404);
            var table = DelimitedFile.Read(path);
            if (Problem(d, table) is { } problem) return HtmlResult(WizardPages.Columns(d, table, problem), 400);
            return HtmlResult(WizardPages.Steps(d, table));
        });
        app.MapGet("/train", (HttpRequest r) =>
        {
            var d = Draft.From(r.Query);
            if (ws.DatasetPath(d.Dataset) is not { } path) return HtmlResult(WizardPages.Data(d, ws, options.MaxUploadBytes, $"No data file '{d.Dataset}' in the workspace."), 404);
            if (Problem(d, DelimitedFile.Read(path)) is { } problem) return HtmlResult(WizardPages.Columns(d, DelimitedFile.Read(path), problem), 400);
            return HtmlResult(WizardPages.Train(d));
        });
        app.MapPost("/runs", async (HttpRequest r) =>
        {
            var form = await r.ReadFormAsync();
            var d = Draft.From(form);
            if (ws.DatasetPath(d.Dataset) is not { } path) return HtmlResult(WizardPages.Data(d, ws, options.MaxUploadBytes, $"No data file '{d.Dataset}' in the workspace."), 404);
            try
            {
                var config = Config(d, path, form);
                string id = runs.Start(config, d.Dataset!, d.Dedup);
                return Results.Redirect($"/runs/{Uri.EscapeDataString(id)}", preserveMethod: false);
            }
            catch (CliException ex)
            {
                return HtmlResult(WizardPages.Train(d, ex.Message), 400);
            }
        });
        app.MapGet("/runs", () => HtmlResult(RunPages.List(ws, runs.Read)));
        app.MapGet("/runs/{id}", (string id) => runs.Read(id) is { } s ? HtmlResult(RunPages.Live(s)) : NotFound(id));
        app.MapGet("/runs/{id}/fragment", (string id) => runs.Read(id) is { } s ? UiView.Fragment("_Board", new BoardModel(s, false)) : NotFound(id));
        app.MapGet("/runs/{id}/events", async (string id, HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var ct = context.RequestAborted;
            string? last = null;
            bool? cancellable = null;
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    var s = runs.Read(id);
                    if (s == null) { await Send(context, "done", ""); break; }
                    if (!s.Live)
                    {
                        // the last board replaces the element that holds the event stream: htmx closes the stream with it
                        string final = await UiView.RenderAsync(context, "_Board", new BoardModel(s, true), page: false);
                        await Send(context, "done", $"<div id=\"live\" data-done=\"true\">{final}</div>");
                        break;
                    }
                    // the cancel button is sent along (out of band) only when whether the run can be cancelled changed:
                    // replacing it every second would take the keyboard focus away from it
                    // (a run of another process has no cancel button: it is stopped from its terminal)
                    bool can = s.Active && !s.Stopping;
                    string html = await UiView.RenderAsync(context, "_Board", new BoardModel(s, s.Active && can != cancellable), page: false);
                    string board = await UiView.RenderAsync(context, "_Board", new BoardModel(s, false), page: false);
                    if (board != last || can != cancellable) { await Send(context, "board", html); last = board; cancellable = can; }
                    await Task.Delay(1000, ct);
                }
            }
            catch (OperationCanceledException) { }
        });
        app.MapPost("/runs/{id}/cancel", (string id, HttpRequest r) =>
        {
            runs.Cancel(id);
            // htmx (Request.IsHtmx: the HX-Request header) swaps in the disabled button; a plain form post goes back to the run
            if (r.IsHtmx() && runs.Read(id) is { } s) return UiView.Fragment("_Cancel", s);
            return Results.Redirect($"/runs/{Uri.EscapeDataString(id)}", preserveMethod: false);
        });
        app.MapPost("/runs/{id}/resume", async (string id, HttpRequest r) =>
        {
            if (runs.Read(id) is null) return NotFound(id);
            var form = await r.ReadFormAsync();
            string budget = form["budget"].ToString().Trim();
            double? seconds = budget.Length == 0 ? null
                : double.TryParse(budget, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v
                : throw new CliException($"The time budget must be a positive number of seconds, not '{budget}'.");
            runs.Resume(id, new ResumePolicy(TrainTimeSeconds: seconds));
            return Results.Redirect($"/runs/{Uri.EscapeDataString(id)}", preserveMethod: false);
        });
        app.MapGet("/runs/{id}/chart.png", (string id) => runs.Read(id) is { } s ? Results.File(RunPages.BestChart(s), "image/png") : NotFound(id));
        app.MapGet("/runs/{id}/trials.png", (string id) => runs.Read(id) is { } s ? Results.File(RunPages.TrialsChart(s), "image/png") : NotFound(id));
        app.MapGet("/runs/{id}/pr.png", (string id) => runs.Read(id) is { } s && server.Review(s)?.PrecisionRecallChart() is { } png ? Results.File(png, "image/png") : NotFound(id));
        app.MapGet("/runs/{id}/roc.png", (string id) => runs.Read(id) is { } s && server.Review(s)?.RocChart() is { } png ? Results.File(png, "image/png") : NotFound(id));
        app.MapGet("/runs/{id}/evaluate", (string id) => runs.Read(id) is { } s ? HtmlResult(RunPages.Evaluate(s, server.Predictor(s), server.Review(s))) : NotFound(id));
        app.MapPost("/runs/{id}/try", async (string id, HttpRequest r) =>
        {
            if (runs.Read(id) is not { } s) return NotFound(id);
            var form = await r.ReadFormAsync();
            var texts = form["text"].Select(t => t ?? "").ToList();
            var predictor = server.Predictor(s);
            if (predictor == null) return HtmlResult(RunPages.Evaluate(s, null, null, error: "This run has no model yet."), 400);
            // htmx asks for the answer box only (the page keeps what was typed); htmx swaps only 2xx answers, so its error box comes with 200
            bool fragment = r.IsHtmx();
            try
            {
                var prediction = predictor.Predict(texts);
                return fragment ? UiView.Fragment("_Try", new TryResult(predictor, texts, prediction, null))
                    : HtmlResult(RunPages.Evaluate(s, predictor, server.Review(s), texts, prediction));
            }
            catch (ArgumentException ex)
            {
                return fragment ? UiView.Fragment("_Try", new TryResult(predictor, texts, null, ex.Message))
                    : HtmlResult(RunPages.Evaluate(s, predictor, server.Review(s), texts, tryError: ex.Message), 400);
            }
        });
        app.MapGet("/runs/{id}/consume", (string id) => runs.Read(id) is { } s ? HtmlResult(RunPages.Consume(s, server._serving.TryGetValue(id, out var p) ? p.Address : null)) : NotFound(id));
        app.MapGet("/runs/{id}/model", (string id) =>
        {
            if (runs.Read(id) is not { HasModel: true } s) return NotFound(id);
            return Results.File(Path.Combine(s.Folder, TrainingRun.ModelFileName), "application/octet-stream", $"{s.Id}.mlnetllm");
        });
        app.MapGet("/runs/{id}/project.zip", (string id) =>
        {
            if (runs.Read(id) is not { } s || RunPages.ProjectFolder(s.Folder) is not { } project) return NotFound(id);
            var zip = new MemoryStream();
            ZipFile.CreateFromDirectory(project, zip, CompressionLevel.Fastest, includeBaseDirectory: true);
            return Results.File(zip.ToArray(), "application/zip", Path.GetFileName(project) + ".zip");
        });
        app.MapPost("/runs/{id}/serve", async (string id) =>
        {
            if (runs.Read(id) is not { HasModel: true } s || server.Predictor(s) is not { } predictor) return NotFound(id);
            if (!server._serving.ContainsKey(id))
            {
                var started = await PredictionServer.StartAsync(predictor, new ServerOptions { Host = "127.0.0.1", Port = 0, ErrorLog = TextWriter.Null });
                if (!server._serving.TryAdd(id, started)) await started.DisposeAsync();
            }
            return Results.Redirect($"/runs/{Uri.EscapeDataString(id)}/consume", preserveMethod: false);
        });
        return server;
    }

    static async Task Send(HttpContext context, string name, string data)
    {
        var sb = new StringBuilder($"event: {name}\n");
        foreach (var line in data.Split('\n')) sb.Append("data: ").Append(line.TrimEnd('\r')).Append('\n');
        sb.Append('\n');
        await context.Response.WriteAsync(sb.ToString(), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    static IResult NotFound(string id) => HtmlResult(new MessagePage { Title = "Not found", Error = $"There is no run '{id}' in the workspace." }, 404);

    static string? Problem(Draft d, DelimitedTable table)
    {
        if (d.Label == null || !table.Header.Contains(d.Label)) return "Choose the label column.";
        if (d.Text.Count == 0) return "Choose at least one text column.";
        if (d.Text.Contains(d.Label)) return $"'{d.Label}' cannot be both the label and a text column.";
        if (d.Text.FirstOrDefault(t => !table.Header.Contains(t)) is { } missing) return $"There is no column '{missing}'.";
        if (d.Task == "regression" && d.Text.Count != 2) return "Sentence-pair regression needs exactly two text columns.";
        return null;
    }

    static RunConfig Config(Draft d, string dataset, IFormCollection form)
    {
        static double? Number(string? s, string name) =>
            string.IsNullOrWhiteSpace(s) ? null
            : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new CliException($"{name} must be a number, not '{s}'.");
        var c = new RunConfig
        {
            Task = d.TaskKind,
            Dataset = dataset,
            LabelColumn = d.Label ?? throw new CliException("Choose the label column."),
            TextColumns = d.Text,
            PositiveLabel = d.Task == "binary" ? d.Positive : null,
            Normalization = d.Normalization(),
            Balance = d.Task == "regression" || d.Balance == "auto" ? null : d.Balance,
            TrainTimeSeconds = Number(form["budget"], "The time budget") ?? 60,
            MaxTrials = Number(form["maxtrials"], "Most trials") is { } m ? (int)m : null,
            Tuner = form["tuner"].ToString() is { Length: > 0 } t ? t : null,
            Parallel = Number(form["parallel"], "Parallel trials") is { } p ? (int)p : 1,
            Output = "(set when the run starts)",
        };
        string pretrained = form["pretrained"].ToString().Trim();
        switch (form["trainer"].ToString())
        {
            case "embedding":
                c.Featurizer = "embedding";
                if (pretrained.Length > 0) c.Embedding = new EmbeddingSettings { Model = pretrained };
                break;
            case "bert":
                c.Trainer = "bert";
                c.Balance = null;
                if (pretrained.Length > 0) c.Transformer = new TransformerSettings { Pretrained = pretrained };
                break;
        }
        c.Validate();
        return c;
    }

    readonly ConcurrentDictionary<string, (DateTime Written, ValidationReview Review)> _reviews = new(StringComparer.Ordinal);

    /// <summary>The validation rows predicted by the run's saved model (cached until the model file changes); null without a model.</summary>
    ValidationReview? Review(RunManager.State s)
    {
        if (Predictor(s) is not { } predictor || s.Config == null) return null;
        var written = File.GetLastWriteTimeUtc(predictor.Path);
        if (_reviews.TryGetValue(s.Id, out var cached) && cached.Written == written) return cached.Review;
        var review = ValidationReview.Create(s.Config, predictor);
        _reviews[s.Id] = (written, review);
        return review;
    }

    ModelPredictor? Predictor(RunManager.State s)
    {
        string path = Path.Combine(s.Folder, TrainingRun.ModelFileName);
        if (!File.Exists(path)) return null;
        var written = File.GetLastWriteTimeUtc(path);
        if (_predictors.TryGetValue(s.Id, out var cached) && cached.Written == written) return cached.Predictor;
        var predictor = ModelPredictor.Load(path);
        _predictors[s.Id] = (written, predictor);
        return predictor;
    }

    static IResult Asset(string name)
    {
        string? type = Path.GetExtension(name) switch { ".css" => "text/css; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".txt" => "text/plain; charset=utf-8", _ => null };
        var stream = type == null ? null : typeof(UiServer).Assembly.GetManifestResourceStream("MLNetLlm.Cli.Ui.wwwroot." + name);
        return stream == null ? Results.NotFound() : Results.Stream(stream, type);
    }

    /// <summary>Waits until <paramref name="cancel"/> (Ctrl+C).</summary>
    public static async Task WaitAsync(CancellationToken cancel)
    {
        try { await Task.Delay(Timeout.Infinite, cancel); }
        catch (OperationCanceledException) { }
    }

    /// <summary>Stops serving; asks this process's runs to stop (finished trials are kept) and waits for them to write their output.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        _runs.StopAll(TimeSpan.FromMinutes(2));
        foreach (var s in _serving.Values) await s.DisposeAsync();
        await _app.DisposeAsync();
    }
}
