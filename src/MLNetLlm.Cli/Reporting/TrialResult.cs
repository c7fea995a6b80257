namespace MLNetLlm.Cli.Reporting;

/// <summary>One trial of a run (a classic run has one): the pipeline tried, its metric, how long it took, how it ended.</summary>
/// <param name="Number">1-based trial number, in start order.</param>
/// <param name="Pipeline">The pipeline, as text (e.g. "NormalizeText → FeaturizeText → SdcaLogisticRegression").</param>
/// <param name="Metric">The primary metric on the validation data; null when the trial failed.</param>
/// <param name="Seconds">How long the trial took.</param>
/// <param name="Status">completed, failed, pruned, …</param>
/// <param name="FinishedAt">Seconds from the run's start when the trial finished (for best-so-far over time).</param>
/// <param name="Parameters">The trial's hyper-parameters as JSON (AutoML), or null.</param>
/// <param name="Fidelity">The share of the training rows it trained on (successive halving's lower rungs train on fewer; 1 = all).</param>
internal sealed record TrialResult(int Number, string Pipeline, double? Metric, double Seconds, string Status, double FinishedAt, string? Parameters = null, double Fidelity = 1);
