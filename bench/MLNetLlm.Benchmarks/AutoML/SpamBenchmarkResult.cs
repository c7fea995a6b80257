using MLNetLlm.AutoML.Experiments;
using MLNetLlm.AutoML;

namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>The outcome of <see cref="SpamBenchmark.RunAsync"/>.</summary>
/// <param name="BaselineF1">Test F1 of FeaturizeText + SDCA.</param>
/// <param name="BestF1">Test F1 of the experiment's refitted best model.</param>
/// <param name="Experiment">The experiment's result (leaderboard, trials).</param>
/// <param name="Report">A Markdown report.</param>
public sealed record SpamBenchmarkResult(double BaselineF1, double BestF1, ExperimentResult Experiment, string Report);
