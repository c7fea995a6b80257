namespace MLNetLlm.Torch.Continual;

/// <summary>What one continual-learning fit did.</summary>
/// <param name="NewRows">Training rows given (after the validation split).</param>
/// <param name="SelectedRows">New rows trained on after confidence-based selection (= NewRows without selection).</param>
/// <param name="ReplayedRows">Remembered rows mixed in.</param>
/// <param name="EwcLambda">The EWC strength used (0 = none).</param>
/// <param name="Round">The model's round number (1 = first training).</param>
/// <param name="FisherSeconds">Time spent estimating the new Fisher diagonal.</param>
internal sealed record ContinualReport(int NewRows, int SelectedRows, int ReplayedRows, double EwcLambda, int Round, double FisherSeconds);
