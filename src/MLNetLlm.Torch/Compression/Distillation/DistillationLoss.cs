using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Distillation;

/// <summary>
/// Knowledge-distillation loss (Hinton et al., 2015):
/// <c>α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − α)·CE(student, labels) + β·hidden-state MSE</c>.
/// The T² factor keeps the soft-target gradients on the same scale as the hard-label ones when T changes.
/// </summary>
public sealed class DistillationLoss
{
    /// <param name="temperature">Softening temperature T (≥ 1; 1..10 is the useful range; default in options 2).</param>
    /// <param name="alpha">Weight α of the soft-target term, in [0, 1]; 1 − α weighs the hard-label cross-entropy.</param>
    /// <param name="hiddenWeight">Weight β of the hidden-state term (≥ 0; 0 disables it).</param>
    public DistillationLoss(double temperature, double alpha, double hiddenWeight = 0)
    {
        if (double.IsNaN(temperature) || temperature < 1) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be ≥ 1.");
        if (double.IsNaN(alpha) || alpha is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be in [0, 1].");
        if (double.IsNaN(hiddenWeight) || hiddenWeight < 0) throw new ArgumentOutOfRangeException(nameof(hiddenWeight), hiddenWeight, "Hidden-state weight must be ≥ 0.");
        Temperature = temperature;
        Alpha = alpha;
        HiddenWeight = hiddenWeight;
    }

    public double Temperature { get; }
    public double Alpha { get; }
    public double HiddenWeight { get; }

    /// <summary>Soft-target term T²·KL(p_teacher ‖ p_student), averaged over the batch. Teacher logits get no gradient.</summary>
    public Tensor SoftTargetLoss(Tensor studentLogits, Tensor teacherLogits)
    {
        CheckLogits(studentLogits, teacherLogits);
        double t = Temperature;
        var logP = nn.functional.log_softmax(studentLogits / t, -1);
        var logQ = nn.functional.log_softmax(teacherLogits.detach() / t, -1);
        // KL(q ‖ p) = Σ q (log q − log p), mean over rows.
        var kl = (logQ.exp() * (logQ - logP)).sum(-1).mean();
        return kl * (t * t);
    }

    /// <summary>The full loss for one batch. <paramref name="hiddenStates"/> (student, teacher) pairs add β·Σ MSE when β &gt; 0.</summary>
    public Tensor Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels, IEnumerable<(Tensor Student, Tensor Teacher)>? hiddenStates = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var loss = SoftTargetLoss(studentLogits, teacherLogits) * Alpha;
        if (Alpha < 1) loss = loss + nn.functional.cross_entropy(studentLogits, labels) * (1 - Alpha);
        if (HiddenWeight > 0 && hiddenStates is not null)
        {
            foreach (var (s, t) in hiddenStates)
            {
                if (!s.shape.SequenceEqual(t.shape))
                    throw new ArgumentException($"Hidden states differ in shape: student [{string.Join(", ", s.shape)}] vs teacher [{string.Join(", ", t.shape)}]; project the student's first.");
                loss = loss + nn.functional.mse_loss(s, t.detach()) * HiddenWeight;
            }
        }
        return loss;
    }

    private static void CheckLogits(Tensor student, Tensor teacher)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        if (!student.shape.SequenceEqual(teacher.shape))
            throw new ArgumentException($"Student logits [{string.Join(", ", student.shape)}] and teacher logits [{string.Join(", ", teacher.shape)}] must have the same shape.");
    }
}
