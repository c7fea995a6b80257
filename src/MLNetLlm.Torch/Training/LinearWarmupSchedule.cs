namespace MLNetLlm.Torch.Training;

/// <summary>
/// HF's <c>get_linear_schedule_with_warmup</c>: the learning rate rises linearly from 0 over the warm-up steps, then
/// falls linearly to 0 at the last step. <see cref="At"/> takes the 0-based index of the optimizer step about to run.
/// </summary>
internal sealed class LinearWarmupSchedule(double peak, long warmupSteps, long totalSteps)
{
    public double At(long step)
    {
        if (step < warmupSteps) return peak * step / Math.Max(1, warmupSteps);
        return peak * Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps));
    }
}
