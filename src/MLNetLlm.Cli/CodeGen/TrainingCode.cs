namespace MLNetLlm.Cli.CodeGen;

/// <summary>How the generated training code rebuilds and fits a run's pipeline.</summary>
/// <param name="Members">C# members of the model class: the pipeline factory (and, for AutoML, the best parameter).</param>
/// <param name="FitExpression">A C# expression over <c>mlContext</c> that fits the pipeline on the training data, written <c>DATA</c>.</param>
/// <param name="Usings">Namespaces the members need beyond the defaults.</param>
/// <param name="Libraries">MLNetLlm assemblies the members need (e.g. MLNetLlm.AutoML).</param>
internal sealed record TrainingCode(string Members, string FitExpression, IReadOnlyList<string> Usings, IReadOnlyList<string> Libraries)
{
    /// <summary>A fixed ML.NET pipeline: <c>BuildPipeline(mlContext)</c> returning the estimator chain.</summary>
    public static TrainingCode Classic(string pipelineExpression) => new(
        $$"""
            /// <summary>The pipeline: text normalization, featurization and the trainer, as mlnet-llm built it.</summary>
            public static IEstimator<ITransformer> BuildPipeline(MLContext mlContext) =>
                {{pipelineExpression}};
        """,
        "BuildPipeline(mlContext).Fit(DATA)", [], []);

    /// <summary>The searched pipeline, fitted with the best parameter AutoML found.</summary>
    public static TrainingCode AutoML(string sweepableExpression, string bestParameterJson) => new(
        $$"""
            /// <summary>The parameter of the best trial (which trainer, which options).</summary>
            public const string BestParameter = {{CSharpNames.Literal(bestParameterJson)}};

            /// <summary>The pipeline AutoML searched: normalization, featurizer and trainer alternatives with their search spaces.</summary>
            public static SweepablePipeline BuildSweepablePipeline(MLContext mlContext)
            {
                var auto = mlContext.Llm().Auto();
                return {{sweepableExpression}};
            }
        """,
        "BuildSweepablePipeline(mlContext).Fit(mlContext, Parameter.FromJson(BestParameter), DATA)",
        ["MLNetLlm.AutoML", "MLNetLlm.AutoML.SearchSpaces", "MLNetLlm.AutoML.Sweepable"], ["MLNetLlm.AutoML"]);
}
