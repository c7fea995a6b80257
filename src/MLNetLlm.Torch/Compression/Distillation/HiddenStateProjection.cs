using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Distillation;

/// <summary>
/// Maps student hidden states to the teacher's width for the hidden-state loss (a trained Linear when the widths
/// differ, identity otherwise) and pairs student layer i with teacher layer <see cref="TeacherLayerFor"/>(i).
/// </summary>
public sealed class HiddenStateProjection : nn.Module<Tensor, Tensor>
{
    private readonly Linear? proj;

    /// <summary>Creates the projection student width → teacher width.</summary>
    /// <param name="studentHidden">The student's hidden size.</param>
    /// <param name="teacherHidden">The teacher's hidden size.</param>
    /// <param name="generator">When given, the Linear's initial weights and bias (uniform ±1/√fan-in, PyTorch's default
    /// bounds) are drawn from it instead of libtorch's global generator, so seeded runs repeat.</param>
    public HiddenStateProjection(int studentHidden, int teacherHidden, Generator? generator = null) : base(nameof(HiddenStateProjection))
    {
        if (studentHidden <= 0 || teacherHidden <= 0) throw new ArgumentOutOfRangeException(nameof(studentHidden), "Widths must be > 0.");
        if (studentHidden != teacherHidden)
        {
            proj = nn.Linear(studentHidden, teacherHidden);
            if (generator != null)
                using (no_grad())
                {
                    double bound = 1.0 / Math.Sqrt(studentHidden);
                    proj.weight!.uniform_(-bound, bound, generator);
                    proj.bias!.uniform_(-bound, bound, generator);
                }
        }
        RegisterComponents();
    }

    /// <summary>Whether a Linear is trained (widths differ).</summary>
    public bool IsTrainable => proj is not null;

    public override Tensor forward(Tensor studentHidden) => proj is null ? studentHidden : proj.forward(studentHidden);

    /// <summary>
    /// The teacher layer whose output student layer <paramref name="studentLayer"/> (0-based) imitates: evenly spaced,
    /// first to first and last to last (6 of 12 → 0, 2, 4, 7, 9, 11, the DistilBERT choice).
    /// </summary>
    public static int TeacherLayerFor(int studentLayer, int studentLayers, int teacherLayers)
    {
        if (studentLayers <= 0 || teacherLayers < studentLayers)
            throw new ArgumentOutOfRangeException(nameof(studentLayers), $"Need 0 < student layers ({studentLayers}) ≤ teacher layers ({teacherLayers}).");
        if (studentLayer < 0 || studentLayer >= studentLayers) throw new ArgumentOutOfRangeException(nameof(studentLayer));
        if (studentLayers == 1) return teacherLayers - 1;
        return (int)Math.Round((double)studentLayer * (teacherLayers - 1) / (studentLayers - 1), MidpointRounding.AwayFromZero);
    }
}
