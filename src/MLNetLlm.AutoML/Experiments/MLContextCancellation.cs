using System.Reflection;
using Microsoft.ML;

namespace MLNetLlm.AutoML.Experiments;

/// <summary>
/// Stops training on an <see cref="MLContext"/>: ML.NET trainers check their host's cancel flag (<c>CheckAlive</c>),
/// which the context's non-public <c>CancelExecution</c> sets (what ML.NET's own AutoML calls, through its
/// InternalsVisibleTo access). MLContext 5.0.1 has that method but implements no public or internal interface for it,
/// so it is found by name: an earlier lookup of an <c>ICancelable</c> interface found nothing and cancelled nothing.
/// </summary>
internal static class MLContextCancellation
{
    static readonly MethodInfo? Cancel =
        typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
        ?? typeof(MLContext).GetInterfaces().Select(i => i.GetMethod("CancelExecution", Type.EmptyTypes)).FirstOrDefault(m => m is not null);

    /// <summary>Whether this ML.NET version exposes the cancel flag.</summary>
    public static bool IsSupported => Cancel is not null;

    /// <summary>Sets the context's cancel flag: its trainers throw <see cref="OperationCanceledException"/> at their next check.</summary>
    public static void CancelExecution(MLContext context) => Cancel?.Invoke(context, null);
}
