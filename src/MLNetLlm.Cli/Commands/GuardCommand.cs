using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Cli.Audit;
using MLNetLlm.Cli.Training;
using MLNetLlm.Data;
using MLNetLlm.Data.Safety;
using MLNetLlm.DataViews;
using MLNetLlm.Persistence;

namespace MLNetLlm.Cli.Commands;

/// <summary>
/// <c>mlnet-llm guard</c>: writes a new model file with an input filter before the model and output rules after it;
/// <c>predict</c> and <c>serve</c> then answer with the decision and the rule that fired.
/// </summary>
internal static class GuardCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file, or the folder train wrote (its model.mlnetllm).", Required = true };
        var lexicon = new Option<string?>("--lexicon") { Description = "Input filter: a lexicon file (one term per line; 'block: term' or 'flag: term'; plain lines block)." };
        var rules = new Option<string?>("--rules") { Description = "Output rules: abstain below P | never LABEL when PATTERN [then review|abstain|LABEL] | review when PATTERN | review when flagged." };
        var output = new Option<string>("--output", "-o") { Description = "The guarded model file to write (the original is left as it is).", Required = true };
        var command = new Command("guard", "Wrap a model in safety filters: a lexicon input filter and output rules, saved in a new model file.")
        {
            model, lexicon, rules, output,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            string path = AuditRun.ResolveModel(parse.GetValue(model)!);
            string outPath = parse.GetValue(output)!;
            if (Path.GetFullPath(outPath) == Path.GetFullPath(path)) throw new CliException("--output must differ from --model: the original model is kept.");
            string? lexiconPath = parse.GetValue(lexicon), rulesPath = parse.GetValue(rules);
            if (lexiconPath is null && rulesPath is null) throw new CliException("Give --lexicon, --rules or both.");
            var (count, ruleCount) = Write(path, lexiconPath, rulesPath, outPath);
            context.Out.WriteLine($"Wrote {outPath}: {(count > 0 ? $"input filter with {count} term(s)" : "no input filter")}, {(ruleCount > 0 ? $"{ruleCount} output rule(s)" : "no output rules")}.");
            return 0;
        }));
        return command;
    }

    /// <summary>Builds and saves the guarded model; returns the lexicon's term count and the rule count.</summary>
    public static (int Terms, int Rules) Write(string modelPath, string? lexiconPath, string? rulesPath, string outPath)
    {
        var ml = new MLContext(seed: 0);
        var metadata = ml.Llm().Model.ReadMetadata(modelPath);
        var signature = ModelSignature.FromMetadata(metadata, modelPath);
        if (signature.Task == TaskKind.Regression) throw new CliException($"'{modelPath}' is a regression model: output rules need class labels.");
        SafetyLexicon? lex;
        OutputRules? outputRules;
        try
        {
            lex = lexiconPath is null ? null : SafetyLexicon.Load(lexiconPath);
            outputRules = rulesPath is null ? null : OutputRules.Load(rulesPath);
            outputRules?.CheckLabels(signature.Classes.ToArray());
        }
        catch (SafetyFileException ex) { throw new CliException(ex.Message, ex); }
        var original = ml.Llm().Model.Load(modelPath, out var inputSchema);
        var empty = InMemoryDataView.FromColumns(inputSchema.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type, Array.CreateInstance(c.Type.RawType, 0))).ToArray());
        if (original.GetOutputSchema(inputSchema).GetColumnOrNull("Decision") is not null)
            throw new CliException($"'{modelPath}' already has safety filters; guard the original model instead.");
        string text = signature.TextColumns[0];
        var stages = new List<ITransformer>();
        IDataView data = empty;
        if (lex != null)
        {
            var filter = ml.Llm().FilterInput(new InputFilterOptions { InputColumnName = text, Lexicon = lex }).Fit(data);
            stages.Add(filter);
            data = filter.Transform(data);
        }
        stages.Add(original);
        data = original.Transform(data);
        if (outputRules != null)
        {
            bool binary = signature.Task == TaskKind.Binary;
            var constraint = ml.Llm().ConstrainOutput(outputRules, new OutputConstraintOptions
            {
                PredictedLabelColumnName = binary ? "PredictedLabel" : PipelineFactory.PredictedClassColumn,
                ClassNames = signature.Classes,
                ConfidenceColumnName = binary ? "Probability" : "Score",
                TextColumnName = text,
            }).Fit(data);
            stages.Add(constraint);
        }
        else if (lex != null)
        {
            // A filter alone still needs the step that turns a block into the answer "blocked".
            var constraint = ml.Llm().ConstrainOutput(OutputRules.Parse("abstain below 0", "(no rules)"), new OutputConstraintOptions
            {
                PredictedLabelColumnName = signature.Task == TaskKind.Binary ? "PredictedLabel" : PipelineFactory.PredictedClassColumn,
                ClassNames = signature.Classes,
                ConfidenceColumnName = signature.Task == TaskKind.Binary ? "Probability" : "Score",
                TextColumnName = text,
            }).Fit(data);
            stages.Add(constraint);
        }
        var guarded = new TransformerChain<ITransformer>(stages.ToArray());
        var meta = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        meta["safety"] = $"lexicon={lexiconPath ?? "-"}; rules={rulesPath ?? "-"}";
        try { ml.Llm().Model.Save(guarded, inputSchema, outPath, meta); }
        catch (ModelFileException ex) { throw new CliException(ex.Message, ex); }
        return (lex?.Count ?? 0, outputRules?.Rules.Count ?? 0);
    }
}
