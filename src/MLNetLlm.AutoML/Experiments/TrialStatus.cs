namespace MLNetLlm.AutoML.Experiments;

/// <summary>How a trial ended (or that it has not).</summary>
public enum TrialStatus
{
    /// <summary>Waiting for a worker (a re-queued or enqueued trial).</summary>
    Queued,
    /// <summary>A worker holds it.</summary>
    Running,
    /// <summary>Trained and evaluated; its metric counts.</summary>
    Completed,
    /// <summary>Threw, timed out, or its worker vanished too often; the error says why.</summary>
    Failed,
    /// <summary>Stopped early by the pruner because its intermediate reports were bad.</summary>
    Pruned,
    /// <summary>
    /// Stopped before it finished by the end of the time budget or a cancellation of the experiment (not by its own
    /// fault): its duration is how long it ran, its error says what stopped it, and it has no metric. A resumed study
    /// runs it again (its attempt is not counted).
    /// </summary>
    Cancelled,
}
