using MLNetLlm.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Adapters;

/// <summary>
/// A low-rank adapter around a frozen <see cref="Linear"/>: <c>y = W x + b + (alpha / r) · B A dropout(x)</c>, with A
/// (r × in) Kaiming-uniform and B (out × r) zero so training starts from the base model. <see cref="Merge"/> folds
/// <c>(alpha / r) · B A</c> into W for inference; <see cref="Unmerge"/> takes it out again.
/// </summary>
internal sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    readonly Linear _base;
    readonly Linear lora_A;
    readonly Linear lora_B;
    readonly double _dropout;
    readonly ComputeSettings _compute;

    public LoraLinear(Linear baseLayer, int rank, double alpha, double dropout, ComputeSettings compute) : base("LoraLinear")
    {
        if (rank <= 0) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be positive.");
        _base = baseLayer;
        _compute = compute;
        _dropout = dropout;
        Rank = rank;
        Alpha = alpha;
        long inF = baseLayer.weight!.shape[1], outF = baseLayer.weight.shape[0];
        var device = baseLayer.weight.device;
        lora_A = nn.Linear(inF, rank, hasBias: false, device: device);
        lora_B = nn.Linear(rank, outF, hasBias: false, device: device);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(lora_A.weight!, a: Math.Sqrt(5));
            nn.init.zeros_(lora_B.weight!);
        }
        register_module("lora_A", lora_A);
        register_module("lora_B", lora_B);
    }

    public int Rank { get; }
    public double Alpha { get; }
    public double Scaling => Alpha / Rank;
    public double DropoutProbability => _dropout;
    public bool Merged { get; private set; }
    public Parameter A => lora_A.weight!;
    public Parameter B => lora_B.weight!;

    public override Tensor forward(Tensor x)
    {
        var y = _compute.Linear(_base, x);
        if (Merged) return y;
        var h = _compute.Dropout(x, _dropout, training);
        return y + _compute.Linear(lora_B, _compute.Linear(lora_A, h)) * Scaling;
    }

    /// <summary>Adds the adapter's update to the base weight (idempotent).</summary>
    public void Merge()
    {
        if (Merged) return;
        using (no_grad()) _base.weight!.add_(matmul(B, A) * Scaling);
        Merged = true;
    }

    /// <summary>Removes a merged update from the base weight (idempotent).</summary>
    public void Unmerge()
    {
        if (!Merged) return;
        using (no_grad()) _base.weight!.sub_(matmul(B, A) * Scaling);
        Merged = false;
    }
}
