namespace MLNetLlm.Torch.Continual;

/// <summary>How a sample memory (or the replay sample drawn from one) chooses which rows to keep.</summary>
public enum ReplayPolicy
{
    /// <summary>Reservoir sampling (Vitter's algorithm R): every row seen so far is kept with the same probability capacity / seen.</summary>
    Reservoir,
    /// <summary>
    /// Class-balanced reservoir: while the memory is full, a new row of a class that is not the largest evicts a random
    /// row of the largest class; a row of the largest class replaces one of its own class by reservoir sampling within
    /// the class. Classes end up equal (±1) where each has enough rows; a rare class keeps all of its rows.
    /// </summary>
    ClassBalanced,
}
