namespace MLNetLlm.AutoML.Storage;

/// <summary>A study: the trials of one experiment (possibly run by several workers, possibly resumed).</summary>
/// <param name="Id">The storage's id.</param>
/// <param name="Name">The name the experiment gave it.</param>
/// <param name="Metric">The metric's name.</param>
/// <param name="Maximize">Whether the metric is maximised.</param>
public sealed record StudyInfo(int Id, string Name, string Metric, bool Maximize);
