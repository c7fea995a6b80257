using System.Diagnostics;
using System.Globalization;
using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Reporting;

namespace MLNetLlm.Cli.Progress;

/// <summary>Progress as plain, timestamped-free lines: one per step, per trial, and per 10% of a long step.</summary>
internal sealed class PlainProgress(TextWriter output, string metric) : IRunProgress
{
    readonly object _gate = new();
    readonly Stopwatch _step = new();
    string _stepName = "";
    int _lastDecile = -1;

    void Line(string s)
    {
        lock (_gate)
        {
            output.WriteLine(s);
            output.Flush();
        }
    }

    public void StepStarted(string description)
    {
        _stepName = description;
        _lastDecile = -1;
        _step.Restart();
        Line($"{description} …");
    }

    public void StepProgress(double fraction, string note)
    {
        int decile = (int)Math.Floor(Math.Clamp(fraction, 0, 1) * 10);
        if (Interlocked.Exchange(ref _lastDecile, decile) == decile) return;
        Line($"  {decile * 10,3}%  {note}");
    }

    public void StepFinished() => Line($"{_stepName}: done in {_step.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s");

    public void TrialStarted(int number, string pipeline) { }

    public void TrialFinished(TrialResult trial, TrialResult? best, TimeSpan? timeLeft)
    {
        string value = trial.Metric is { } m ? $"{metric} {MetricsReport.Format(m)}" : "";
        string bestText = best?.Metric is { } b ? $" | best {MetricsReport.Format(b)} (trial {best.Number})" : "";
        string left = timeLeft is { } t ? $" | {Math.Max(0, t.TotalSeconds):0}s left" : "";
        Line($"trial {trial.Number,3}  {trial.Status,-9} {value,-18} {trial.Seconds.ToString("0.0", CultureInfo.InvariantCulture),6}s  {trial.Pipeline}{bestText}{left}");
    }

    public void Dispose() { }
}
