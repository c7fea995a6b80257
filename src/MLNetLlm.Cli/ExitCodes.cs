namespace MLNetLlm.Cli;

/// <summary>
/// What <c>mlnet-llm</c>'s exit status means (documented in README "Exit codes"). A script can tell a finished run
/// from a failed one, and an interrupted run that still wrote its output from one that wrote nothing.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did everything it was asked.</summary>
    public const int Success = 0;

    /// <summary>It failed because of its input (a file, a column, an option value, a refused output folder).</summary>
    public const int InputError = 1;

    /// <summary>It failed for another reason (a bug, an environment problem).</summary>
    public const int InternalError = 2;

    /// <summary>
    /// <c>train</c> was interrupted (Ctrl+C / SIGTERM) before any trial finished: no model was written. An AutoML run's
    /// folder still holds run.json and its trial storage, so <c>mlnet-llm resume -o DIR</c> continues it.
    /// </summary>
    public const int InterruptedNothingWritten = 3;

    /// <summary>A second Ctrl+C / SIGTERM quit at once: nothing more was written (trials finished so far stay in the storage).</summary>
    public const int Aborted = 4;

    /// <summary>
    /// <c>audit</c> finished and wrote its reports, but a disparity exceeded <c>--max-dp-difference</c> or
    /// <c>--max-eo-difference</c> (a CI gate failed).
    /// </summary>
    public const int FairnessThresholdExceeded = 5;

    /// <summary>
    /// <c>train</c> was interrupted (Ctrl+C / SIGTERM) and wrote its output folder from the trials that finished
    /// (run.json says <c>"status": "interrupted"</c>); <c>mlnet-llm resume -o DIR</c> continues the search.
    /// </summary>
    public const int Interrupted = 130;
}
