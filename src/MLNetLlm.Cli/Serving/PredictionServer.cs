using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Serving;

/// <summary>
/// An HTTP prediction server for one model (Kestrel, minimal API): <c>POST /predict</c> with one JSON object or an
/// array of them, <c>GET /health</c>, <c>GET /metadata</c>. Bad requests get a 400 (or 413 when too large) with a JSON
/// <c>{"error": "…"}</c> naming the problem — text values must be JSON strings of valid Unicode (a number, or a lone
/// surrogate such as <c>"\ud800"</c>, or invalid UTF-8 in the body, is a 400). Anything else that fails is a 500 with a
/// JSON message, logged as one line on <see cref="ServerOptions.ErrorLog"/>. Requests are served concurrently;
/// prediction engines are pooled.
/// </summary>
internal sealed class PredictionServer : IAsyncDisposable
{
    readonly WebApplication _app;

    PredictionServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address the server listens on, with the actual port.</summary>
    public Uri Address { get; }

    /// <summary>Starts serving <paramref name="predictor"/>; returns once the server accepts connections.</summary>
    public static async Task<PredictionServer> StartAsync(ModelPredictor predictor, ServerOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            var ip = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            k.Listen(ip, options.Port);
        });
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            try { await next(context); }
            catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
            {
                options.ErrorLog?.WriteLine($"mlnet-llm serve: 500 on {context.Request.Method} {context.Request.Path}: {ex.GetType().Name}: {ex.Message}");
                options.ErrorLog?.Flush();
                context.Response.Clear();
                await Error(500, $"Internal error ({ex.GetType().Name}); the server log has the details.").ExecuteAsync(context);
            }
        });
        Map(app, predictor, options);
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
        return new PredictionServer(app, new Uri(address));
    }

    /// <summary>Waits until the server stops (Ctrl+C or <paramref name="cancel"/>).</summary>
    public async Task WaitAsync(CancellationToken cancel)
    {
        try { await Task.Delay(Timeout.Infinite, cancel); }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    static void Map(WebApplication app, ModelPredictor predictor, ServerOptions options)
    {
        var s = predictor.Signature;
        var metadata = new Dictionary<string, object?>
        {
            ["model"] = Path.GetFullPath(predictor.Path),
            ["task"] = s.Task.ToString().ToLowerInvariant(),
            ["textColumns"] = s.TextColumns,
            ["labelColumn"] = s.LabelColumn,
            ["classes"] = s.Classes,
            ["positiveLabel"] = s.PositiveLabel,
            ["maxBatchSize"] = options.MaxBatchSize,
            ["maxRequestBytes"] = options.MaxRequestBytes,
        };
        app.MapGet("/health", () => Results.Json(new Dictionary<string, string> { ["status"] = "ok" }));
        app.MapGet("/metadata", () => Results.Json(metadata));
        var explainer = new Lazy<PredictionExplainer>(() => PredictionExplainer.Create(predictor));
        app.MapPost("/predict", async (HttpRequest request) =>
        {
            // ?explain=true[&top=K]: each prediction also names the tokens/n-grams that drove it.
            var (explain, top, queryError) = ExplainQuery(request);
            if (queryError != null) return Error(400, queryError);
            Dictionary<string, object?> Answer(string[] texts)
            {
                var p = predictor.Predict(texts);
                if (explain) p = p with { Explanation = explainer.Value.Explain(texts) };
                return PredictionWriter.ToJson(p, null, top);
            }
            JsonDocument doc;
            try
            {
                doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            }
            catch (JsonException ex) { return Error(400, $"The body is not valid JSON (UTF-8): {ex.Message}"); }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Error(413, $"The request is larger than {options.MaxRequestBytes} bytes.");
            }
            using (doc)
            {
                var root = doc.RootElement;
                try
                {
                    if (root.ValueKind == JsonValueKind.Object)
                        return Results.Json(Answer(Texts(root, s.TextColumns, "the request")));
                    if (root.ValueKind != JsonValueKind.Array)
                        return Error(400, $"The body must be a JSON object with {string.Join(", ", s.TextColumns)}, or an array of such objects; not {Kind(root)}.");
                    int n = root.GetArrayLength();
                    if (n == 0) return Error(400, "The batch is empty.");
                    if (n > options.MaxBatchSize) return Error(400, $"The batch has {n} rows; at most {options.MaxBatchSize} are allowed.");
                    var rows = new List<string[]>(n);
                    int i = 0;
                    foreach (var item in root.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.Object) return Error(400, $"Row {i} of the batch is {Kind(item)}, not a JSON object.");
                        rows.Add(Texts(item, s.TextColumns, $"row {i} of the batch"));
                        i++;
                    }
                    return Results.Json(rows.Select(Answer).ToList());
                }
                catch (DataFileException ex) { return Error(400, ex.Message); }
                catch (CliException ex) { return Error(400, ex.Message); } // e.g. explain=true on a model that cannot be explained
            }
        });
    }

    /// <summary>The explain/top query parameters: explain=true|false (default false), top=K ≥ 1 (default 10).</summary>
    static (bool Explain, int Top, string? Error) ExplainQuery(HttpRequest request)
    {
        bool explain = false;
        int top = 10;
        if (request.Query.TryGetValue("explain", out var e) && !bool.TryParse(e.ToString(), out explain))
            return (false, top, $"Query parameter explain must be true or false, not '{e}'.");
        if (request.Query.TryGetValue("top", out var t) && (!int.TryParse(t.ToString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out top) || top < 1))
            return (false, 10, $"Query parameter top must be a whole number of at least 1, not '{t}'.");
        return (explain, top, null);
    }

    static string[] Texts(JsonElement obj, IReadOnlyList<string> columns, string where) => columns.Select(c => Text(obj, c, where)).ToArray();

    /// <summary>A text column's value: a JSON string of valid Unicode; anything else is the client's error (400).</summary>
    static string Text(JsonElement obj, string name, string where)
    {
        if (!obj.TryGetProperty(name, out var v)) return PredictionInput.JsonText(obj, name, where, lineNo: null, required: true)!; // throws: names what is there
        if (v.ValueKind != JsonValueKind.String)
            throw new DataFileException(where, $"{Capital(where)}: property '{name}' must be a string, not {Kind(v)}.", null, name);
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new DataFileException(where, $"{Capital(where)}: property '{name}' is not valid text: it holds invalid UTF-8 or an unpaired UTF-16 surrogate such as \\ud800.", null, name, ex);
        }
    }

    static string Capital(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant() switch { "array" => "an array", "object" => "an object", var k => $"a {k}" };

    static IResult Error(int status, string message) =>
        Results.Json(new Dictionary<string, string> { ["error"] = message }, statusCode: status);
}
