namespace MLNetLlm.AutoML.Pruners;

/// <summary>One intermediate result of a trial: its loss (lower is better) after a step.</summary>
/// <param name="TrialId">The trial.</param>
/// <param name="Step">The step (fold, epoch, round), from 1.</param>
/// <param name="Loss">The loss after that step.</param>
public readonly record struct IntermediateReport(int TrialId, int Step, double Loss);
