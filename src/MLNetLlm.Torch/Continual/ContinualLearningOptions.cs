using Microsoft.ML;
using MLNetLlm.SearchSpaces;
using MLNetLlm.Torch.Trainers;

namespace MLNetLlm.Torch.Continual;

/// <summary>
/// Continual fine-tuning of a <see cref="TextClassificationTrainer"/>: continue from <see cref="PreviousModel"/> on new
/// rows without forgetting the old ones, with any of EWC (<see cref="EwcLambda"/>), replay of remembered rows
/// (<see cref="ReplayRows"/>, <see cref="ReplaySize"/>) and confidence-based selection of the new rows
/// (<see cref="SelectionThreshold"/>). After training, the diagonal Fisher of the new model on the rows it was trained on
/// and its weights (the anchor) are kept in the model (<c>continual.safetensors</c> in the saved model) for the next
/// round's EWC; set this on a first training too, so that the first update can use EWC.
/// </summary>
/// <example><code>
/// var v2 = mlContext.Llm().TextClassification(new TextClassificationTrainer.Options
/// {
///     ContinualLearning = new ContinualLearningOptions { PreviousModel = v1, EwcLambda = 100, ReplayRows = memory, ReplaySize = 200 },
/// }).Fit(newRows);
/// </code></example>
public sealed class ContinualLearningOptions
{
    /// <summary>
    /// The model to continue from (its weights start the run; its Fisher and anchor, when it has them, define the EWC
    /// penalty). Null (default): a first round — the model is trained as usual and only gets its Fisher and anchor.
    /// The labels must be the previous model's.
    /// </summary>
    public TextClassificationTransformer? PreviousModel { get; set; }

    /// <summary>
    /// EWC strength λ in the penalty λ/2 · Σᵢ Fᵢ (θᵢ − θ*ᵢ)², with F the diagonal empirical Fisher of the earlier tasks
    /// (mean squared per-row gradient of the log-likelihood) and θ* the previous weights. 0 (default) = off. Useful values
    /// depend on the Fisher's scale: 1–10,000; searched on a log scale.
    /// </summary>
    [Range(1.0, 10000.0, logBase: true)]
    public double EwcLambda { get; set; }

    /// <summary>
    /// Rows of earlier tasks (same text and label columns as the training data) to replay: a sample of
    /// <see cref="ReplaySize"/> of them, drawn by <see cref="ReplayPolicy"/>, is shuffled into every epoch with the new
    /// rows (so every batch mixes old and new). Null (default): no replay.
    /// </summary>
    public IDataView? ReplayRows { get; set; }

    /// <summary>Rows replayed from <see cref="ReplayRows"/> (all when fewer). Default 200; 0 = no replay; range 0–5,000.</summary>
    [Range(0, 2000)]
    public int ReplaySize { get; set; } = 200;

    /// <summary>How the replayed rows are drawn from <see cref="ReplayRows"/>. Default <see cref="Continual.ReplayPolicy.Reservoir"/>.</summary>
    [Choice(ReplayPolicy.Reservoir, ReplayPolicy.ClassBalanced)]
    public ReplayPolicy ReplayPolicy { get; set; } = ReplayPolicy.Reservoir;

    /// <summary>
    /// Confidence-based selection: train only on the new rows that <see cref="PreviousModel"/> gets wrong or predicts
    /// with a largest class probability below this. 0 (default) = every new row. Range 0.5–1 (1 keeps every row the
    /// model is not certain of).
    /// </summary>
    [Range(0.5, 0.999)]
    public double SelectionThreshold { get; set; }

    /// <summary>
    /// Rows of the previous task (same columns as the training data) to estimate <see cref="PreviousModel"/>'s Fisher
    /// from when it carries none (it was trained without these options) and <see cref="EwcLambda"/> is above 0; the
    /// anchor is then its weights. Default null.
    /// </summary>
    public IDataView? PreviousTaskRows { get; set; }

    /// <summary>Rows (a seeded uniform sample of the training rows) the Fisher diagonal is estimated from, one backward pass each. Default 256; range 1–100,000.</summary>
    public int FisherSamples { get; set; } = 256;

    /// <summary>
    /// Where the rows to remember live (e.g. a sample-memory name in the study database); kept in the saved model so the
    /// next round finds them. Not read by the trainer. Default null.
    /// </summary>
    public string? MemoryReference { get; set; }

    internal void Validate()
    {
        if (!(EwcLambda >= 0 && double.IsFinite(EwcLambda))) throw new ArgumentOutOfRangeException(nameof(EwcLambda), EwcLambda, "EwcLambda must be a finite number ≥ 0.");
        if (ReplaySize < 0) throw new ArgumentOutOfRangeException(nameof(ReplaySize), ReplaySize, "ReplaySize must be ≥ 0.");
        if (!(SelectionThreshold >= 0 && SelectionThreshold <= 1)) throw new ArgumentOutOfRangeException(nameof(SelectionThreshold), SelectionThreshold, "SelectionThreshold must be in [0, 1].");
        if (FisherSamples < 1 || FisherSamples > 100_000) throw new ArgumentOutOfRangeException(nameof(FisherSamples), FisherSamples, "FisherSamples must be in [1, 100000].");
        if (SelectionThreshold > 0 && PreviousModel is null) throw new ArgumentException("SelectionThreshold needs a PreviousModel to judge the new rows.");
    }
}
