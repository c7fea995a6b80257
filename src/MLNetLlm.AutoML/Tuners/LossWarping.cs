namespace MLNetLlm.AutoML.Tuners;

/// <summary>
/// How a Bayesian tuner warps the losses before its surrogate model sees them (the warped values are then robustly
/// standardised: centred on their median, scaled by their interquartile range). Every warping keeps the order of the
/// losses, so the best point stays the best.
/// </summary>
public enum LossWarping
{
    /// <summary>
    /// Chosen per fit from the losses seen so far: <see cref="Log"/> when the losses have a long upper tail — their
    /// sample skewness is above 1 and the log warping makes it smaller in absolute value (e.g. losses spanning
    /// 1 … 1e6, where a few huge values would otherwise set the model's scale and flatten everything near the
    /// optimum) — else <see cref="None"/>.
    /// </summary>
    Auto,

    /// <summary>No warping (robust standardisation only).</summary>
    None,

    /// <summary>
    /// log(loss − min + δ) with δ = a tenth of the gap between the best loss and the lower quartile (so the best
    /// value and the best quarter stay log(11) ≈ 2.4 apart, whatever the losses' unit or offset).
    /// </summary>
    Log,

    /// <summary>Normal scores of the ranks, Φ⁻¹((rank − ½)/n) (ties share their mean rank): only the order counts.</summary>
    Rank,
}
