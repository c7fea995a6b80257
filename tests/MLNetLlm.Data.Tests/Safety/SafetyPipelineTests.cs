using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Data.Safety;

namespace MLNetLlm.Data.Tests.Safety;

/// <summary>The input filter and the output constraint in one ML.NET pipeline, through a model file and a prediction engine.</summary>
public sealed class SafetyPipelineTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("safety-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    sealed class Input
    {
        public string Text { get; set; } = "";
        public float Toxicity { get; set; }
        public bool PredictedLabel { get; set; }
        public float Probability { get; set; }
    }

    sealed class Output
    {
        public bool InputBlocked { get; set; }
        public bool InputFlagged { get; set; }
        public string InputFilterReason { get; set; } = "";
        public string Decision { get; set; } = "";
        public string FinalLabel { get; set; } = "";
        public string Rule { get; set; } = "";
    }

    static readonly Input[] Rows =
    [
        new() { Text = "Win at the CASINO", Toxicity = 0.1f, PredictedLabel = true, Probability = 0.95f },
        new() { Text = "lottery results", Toxicity = 0.1f, PredictedLabel = true, Probability = 0.95f },
        new() { Text = "you are awful", Toxicity = 0.97f, PredictedLabel = false, Probability = 0.2f },
        new() { Text = "your invoice", Toxicity = 0.1f, PredictedLabel = true, Probability = 0.99f },
        new() { Text = "see you at lunch", Toxicity = 0.1f, PredictedLabel = false, Probability = 0.45f },
        new() { Text = "see you at dinner", Toxicity = 0.1f, PredictedLabel = false, Probability = 0.05f },
    ];

    static readonly (string Decision, string Final, string RuleStart)[] Expected =
    [
        (SafetyDecision.Blocked, "", "input filter: block term 'casino' (lex.txt:1)"),
        (SafetyDecision.Review, "", "rules.txt:3: review when flagged"),
        (SafetyDecision.Blocked, "", "input filter: block score Toxicity=0.97 >= 0.9"),
        (SafetyDecision.Review, "", "rules.txt:2: never spam when \"invoice\""),
        (SafetyDecision.Abstain, "", "rules.txt:1: abstain below 0.6"), // confidence max(0.45, 0.55) = 0.55
        (SafetyDecision.Predict, "ham", ""),
    ];

    IEstimator<ITransformer> Pipeline(MLContext ml)
    {
        File.WriteAllText(Path.Combine(_dir, "lex.txt"), "casino\nflag: lottery\n");
        File.WriteAllText(Path.Combine(_dir, "rules.txt"), "abstain below 0.6\nnever spam when \"invoice\"\nreview when flagged\n");
        var lexicon = SafetyLexicon.Load(Path.Combine(_dir, "lex.txt"));
        var rules = OutputRules.Load(Path.Combine(_dir, "rules.txt"));
        return ml.Llm().FilterInput(new InputFilterOptions { Lexicon = lexicon, ScoreColumnName = "Toxicity", BlockAtScore = 0.9f })
            .Append(ml.Llm().ConstrainOutput(rules, new OutputConstraintOptions { ClassNames = ["ham", "spam"] }));
    }

    static void Check(IEnumerable<Output> outputs, string dir)
    {
        var list = outputs.ToList();
        Assert.Equal(Expected.Length, list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            string rule = Expected[i].RuleStart.Replace("lex.txt", Path.Combine(dir, "lex.txt")).Replace("rules.txt", Path.Combine(dir, "rules.txt"));
            Assert.Equal((Expected[i].Decision, Expected[i].Final, rule), (list[i].Decision, list[i].FinalLabel, list[i].Rule));
        }
        Assert.Equal([true, false, true, false, false, false], list.Select(o => o.InputBlocked));
        Assert.Equal([false, true, false, false, false, false], list.Select(o => o.InputFlagged));
    }

    [Fact]
    public void TheFilterAndTheRulesComposeInAPipelineAndSayWhichRuleFired()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = Pipeline(ml).Fit(data);
        Check(ml.Data.CreateEnumerable<Output>(model.Transform(data), reuseRowObject: false), _dir);
        var engine = ml.Model.CreatePredictionEngine<Input, Output>(model);
        Check(Rows.Select(engine.Predict), _dir);
    }

    [Fact]
    public void BothStepsSurviveTheModelFile()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var model = Pipeline(ml).Fit(data);
        string path = Path.Combine(_dir, "model.mlnetllm");
        ml.Llm().Model.Save(model, data.Schema, path);
        File.Delete(Path.Combine(_dir, "lex.txt")); // the model file holds the lexicon and the rules
        File.Delete(Path.Combine(_dir, "rules.txt"));
        var ml2 = new MLContext(seed: 1);
        var loaded = ml2.Llm().Model.Load(path, out _);
        var engine = ml2.Model.CreatePredictionEngine<Input, Output>(loaded);
        Check(Rows.Select(engine.Predict), _dir);
    }

    [Fact]
    public void AMissingColumnIsNamed()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(Rows);
        var est = ml.Llm().ConstrainOutput(OutputRules.Parse("abstain below 0.5"), new OutputConstraintOptions { ConfidenceColumnName = "Prob" });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => est.Fit(data));
        Assert.Contains("confidence column 'Prob' not found", ex.Message);
    }
}
