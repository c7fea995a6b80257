using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Sweepable;

namespace MLNetLlm.Cli.Training;

/// <summary>
/// Points of <see cref="AutoPipelineFactory"/>'s space. The baseline is the classic <c>train</c> pipeline
/// (<see cref="PipelineFactory"/>) as a point: ML.NET's default FeaturizeText (word 1–2-grams + character trigrams,
/// TF, L2, no cap, stop words kept) and SDCA with ML.NET's data-derived settings, no searched balancing (a fixed
/// <c>--balance</c> stays as given). An AutoML search runs it first and returns it unless the pick beats it by more
/// than the noise.
/// </summary>
internal static class AutoPipelinePoints
{
    public static Parameter Baseline(SweepablePipeline pipeline)
    {
        var space = pipeline.SearchSpace;
        var stages = space.Default.Children.ToDictionary(c => c.Key, c => c.Value);
        foreach (var key in stages.Keys.ToArray())
        {
            var names = key.Split('|');
            if (key == "featurize_text")
                stages[key] = With(stages[key], ("WordNgramLength", Parameter.FromInt(2)), ("CharNgramLength", Parameter.FromInt(3)),
                    ("Weighting", Parameter.FromString("Tf")), ("Norm", Parameter.FromString("L2")),
                    ("MaximumNgramsCount", Parameter.FromInt(MLNetLlm.AutoML.DefaultSpaces.TextFeaturizerSearchOptions.MaximumNgramsCap)),
                    ("RemoveStopWords", Parameter.FromBool(false)));
            else if (names.Contains("no_balance"))
                stages[key] = Pick("no_balance", Parameter.FromObject([]));
            else if (names.FirstOrDefault(n => n.StartsWith("sdca", StringComparison.Ordinal)) is { } sdca)
            {
                // SDCA with the trainer's own defaults (the alternative's default point, then UseTrainerDefaults)
                var trainer = names.Length > 1 ? ((OneOfOption)space[key])[sdca].Default : stages[key];
                trainer = With(trainer, ("UseTrainerDefaults", Parameter.FromBool(true)));
                stages[key] = names.Length > 1 ? Pick(sdca, trainer) : trainer;
            }
        }
        // through the hypercube and back (throws if the point is outside the space): the parameter a tuner proposes for it
        return space.SampleFromFeatureSpace(space.MappingToFeatureSpace(Parameter.FromObject(stages)));
    }

    static Parameter Pick(string name, Parameter value) => Parameter.FromObject(
        [KeyValuePair.Create(OneOfOption.ChoiceKey, Parameter.FromString(name)), KeyValuePair.Create(name, value)]);

    static Parameter With(Parameter p, params (string Key, Parameter Value)[] changes)
    {
        var d = p.Children.ToDictionary(c => c.Key, c => c.Value);
        foreach (var (k, v) in changes)
        {
            if (!d.ContainsKey(k)) throw new InvalidOperationException($"The pipeline's space has no option '{k}'.");
            d[k] = v;
        }
        return Parameter.FromObject(d);
    }
}
