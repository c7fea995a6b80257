using TorchSharp;

namespace MLNetLlm.Torch.Devices;

/// <summary>Chooses the TorchSharp device for training and inference from a user setting: <c>auto</c>, <c>cpu</c> or <c>cuda[:N]</c>.</summary>
public static class TorchDevice
{
    /// <summary>The settings <see cref="Resolve"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Choices = ["auto", "cpu", "cuda"];

    /// <summary>
    /// <c>auto</c>: CUDA when a CUDA libtorch is loaded and a GPU is visible, else CPU. <c>cpu</c>: always CPU.
    /// <c>cuda</c> / <c>cuda:N</c>: that GPU, or an <see cref="InvalidOperationException"/> that says why it is not available.
    /// </summary>
    public static torch.Device Resolve(string? setting)
    {
        string s = (setting ?? "auto").Trim().ToLowerInvariant();
        if (s is "" or "auto") return CudaAvailable() ? torch.CUDA : torch.CPU;
        if (s == "cpu") return torch.CPU;
        if (s == "cuda" || s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw new InvalidOperationException(
                    $"Device '{setting}' was asked for, but CUDA is not available: the loaded libtorch is CPU-only or no GPU is visible. " +
                    "Build with -p:TorchBackend=cuda (needs the libtorch-cuda package) or run with PyTorch's torch/lib on LD_LIBRARY_PATH " +
                    "and -p:TorchBackend=none; or use --device cpu.");
            int index = 0;
            if (s.Length > 5 && (!int.TryParse(s[5..], out index) || index < 0))
                throw new ArgumentException($"Device '{setting}': expected cuda or cuda:N with N a GPU index.");
            int count = torch.cuda.device_count();
            if (index >= count) throw new InvalidOperationException($"Device '{setting}': only {count} GPU(s) are visible (indices 0..{count - 1}).");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Unknown device '{setting}'. Use one of: {string.Join(", ", Choices)} (or cuda:N).");
    }

    /// <summary>Whether a CUDA device can be used by this process.</summary>
    public static bool CudaAvailable()
    {
        try { return torch.cuda.is_available(); }
        catch (Exception) { return false; }
    }
}
