namespace MLNetLlm.Benchmarks.AutoML;

/// <summary>What runs Optuna's samplers for <see cref="OptunaRunner"/>: the committed script through Python
/// (<see cref="OptunaScript"/>), or a stand-in in tests.</summary>
internal interface IOptunaBackend
{
    /// <summary>Optuna's version (part of a cached result's key).</summary>
    string OptunaVersion { get; }

    /// <summary>An identity of the code that defines the functions and drives the samplers (part of the key).</summary>
    string ScriptHash { get; }

    /// <summary>Runs <paramref name="sampler"/> (the script's name: random, tpe, cmaes) for <paramref name="budget"/> trials on
    /// each function and seed; the best value found after each trial 1..budget, per function key and seed.</summary>
    Dictionary<(string Function, int Seed), double[]> Run(IReadOnlyList<BenchmarkFunction> functions, string sampler, IReadOnlyList<int> seeds, int budget);
}
