using MLNetLlm.Torch.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Models;

/// <summary>
/// One dense projection of the encoder, registered under its HF name in its owner, that a LoRA adapter can attach to
/// (registered beside it as <c>{name}_lora</c>; PEFT calls the same weights <c>{name}.lora_A.weight</c>).
/// </summary>
internal sealed class LinearSlot
{
    readonly nn.Module _owner;
    readonly ComputeSettings _compute;

    public LinearSlot(nn.Module owner, string name, Linear layer, ComputeSettings compute)
    {
        _owner = owner;
        _compute = compute;
        Name = name;
        Layer = layer;
        owner.register_module(name, layer);
    }

    public string Name { get; }
    public Linear Layer { get; }
    public LoraLinear? Lora { get; private set; }

    public Tensor Forward(Tensor x) => Lora is null ? _compute.Linear(Layer, x) : Lora.forward(x);

    public LoraLinear AttachLora(int rank, double alpha, double dropout)
    {
        if (Lora != null) throw new InvalidOperationException($"'{Name}' already has a LoRA adapter.");
        Lora = new LoraLinear(Layer, rank, alpha, dropout, _compute);
        _owner.register_module(Name + "_lora", Lora);
        return Lora;
    }
}
