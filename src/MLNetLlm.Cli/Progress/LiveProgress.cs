using System.Diagnostics;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace MLNetLlm.Cli.Progress;

/// <summary>
/// A live terminal display (Spectre.Console): the current step with its elapsed time and a progress bar, the best
/// trial so far, the time left, and a table of the latest trials. It redraws on its own thread until disposed.
/// </summary>
internal sealed class LiveProgress : IRunProgress
{
    const int TableRows = 12;
    readonly object _gate = new();
    readonly string _metric;
    readonly List<TrialResult> _trials = [];
    readonly Dictionary<int, (string Pipeline, Stopwatch Clock)> _running = [];
    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly Stopwatch _stepClock = new();
    readonly CancellationTokenSource _stop = new();
    readonly Thread _thread;
    string? _step;
    double? _fraction;
    string _note = "";
    TrialResult? _best;
    TimeSpan? _timeLeft;

    public LiveProgress(string metric)
    {
        _metric = metric;
        _thread = new Thread(Render) { IsBackground = true, Name = "mlnet-llm progress" };
        _thread.Start();
    }

    void Render()
    {
        AnsiConsole.Live(Build()).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            while (!_stop.IsCancellationRequested)
            {
                ctx.UpdateTarget(Build());
                _stop.Token.WaitHandle.WaitOne(250);
            }
            ctx.UpdateTarget(Build());
        });
    }

    IRenderable Build()
    {
        lock (_gate)
        {
            var rows = new List<IRenderable>();
            if (_step != null)
            {
                rows.Add(new Markup($"[bold]{Markup.Escape(_step)}[/]  [grey]{_stepClock.Elapsed:hh\\:mm\\:ss}[/]  {Markup.Escape(_note)}"));
                if (_fraction is { } f)
                    rows.Add(new BreakdownChart().Width(60).HideTags()
                        .AddItem("done", Math.Max(0.0001, f * 100), Color.Green).AddItem("left", Math.Max(0.0001, (1 - f) * 100), Color.Grey23));
            }
            if (_trials.Count > 0 || _running.Count > 0)
            {
                string best = _best?.Metric is { } b ? $"best {_metric} [green]{MetricsReport.Format(b)}[/] (trial {_best.Number})" : "no completed trial yet";
                string left = _timeLeft is { } tl ? $"  ·  {Math.Max(0, tl.TotalSeconds):0}s left" : "";
                rows.Add(new Markup($"{best}  ·  {_trials.Count} trial(s) done  ·  {_clock.Elapsed:hh\\:mm\\:ss} elapsed{left}"));
                var table = new Table().Border(TableBorder.Rounded)
                    .AddColumn("trial").AddColumn("pipeline").AddColumn(new TableColumn(Markup.Escape(_metric)).RightAligned())
                    .AddColumn(new TableColumn("duration").RightAligned()).AddColumn("status");
                foreach (var (n, (pipeline, clock)) in _running.OrderBy(kv => kv.Key))
                    table.AddRow(n.ToString(), Markup.Escape(pipeline), "", $"{clock.Elapsed.TotalSeconds:0.0}s", "[yellow]running[/]");
                foreach (var t in _trials.OrderByDescending(t => t.Number).Take(TableRows))
                    table.AddRow(t.Number.ToString(), Markup.Escape(t.Pipeline), t.Metric is { } m ? MetricsReport.Format(m) : "",
                        $"{t.Seconds:0.0}s", t == _best ? "[green]best[/]" : Markup.Escape(t.Status));
                rows.Add(table);
            }
            return rows.Count == 0 ? new Text("") : new Rows(rows);
        }
    }

    public void StepStarted(string description)
    {
        lock (_gate) { _step = description; _fraction = null; _note = ""; _stepClock.Restart(); }
    }

    public void StepProgress(double fraction, string note)
    {
        lock (_gate) { _fraction = Math.Clamp(fraction, 0, 1); _note = note; }
    }

    public void StepFinished()
    {
        lock (_gate) { _note = $"done in {_stepClock.Elapsed.TotalSeconds:0.0}s"; _fraction = _fraction == null ? null : 1; _stepClock.Stop(); }
    }

    public void TrialStarted(int number, string pipeline)
    {
        lock (_gate) _running[number] = (pipeline, Stopwatch.StartNew());
    }

    public void TrialFinished(TrialResult trial, TrialResult? best, TimeSpan? timeLeft)
    {
        lock (_gate)
        {
            _running.Remove(trial.Number);
            _trials.Add(trial);
            _best = best;
            _timeLeft = timeLeft;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread.Join();
        _stop.Dispose();
    }
}
