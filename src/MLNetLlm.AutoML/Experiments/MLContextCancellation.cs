using System.Reflection;
using Microsoft.ML;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Stops training on an <see cref="MLContext"/>: ML.NET trainers check their host's cancel flag, set through the
/// context's (non-public) ICancelable.CancelExecution, which is what ML.NET's own AutoML uses.
/// </summary>
internal static class MLContextCancellation
{
    static readonly MethodInfo? Cancel = typeof(MLContext).GetInterfaces()
        .FirstOrDefault(i => i.Name == "ICancelable")?.GetMethod("CancelExecution");

    /// <summary>Whether this ML.NET version exposes the cancel flag.</summary>
    public static bool IsSupported => Cancel is not null;

    public static void CancelExecution(MLContext context) => Cancel?.Invoke(context, null);
}
