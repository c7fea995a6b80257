using System.Text;
using Microsoft.ML;
using MLNetLlm.Cli.Training;
using MLNetLlm.Persistence;

namespace MLNetLlm.Cli.CodeGen;

/// <summary>
/// Writes a small console project next to a trained model, the way Model Builder does: <c>ModelInput</c>/<c>ModelOutput</c>
/// classes, consumption code (load the model, predict), the training code that rebuilds the same pipeline, and a
/// <c>Program.cs</c> that predicts one example. It never holds an absolute path: it references the MLNetLlm libraries
/// as packages when a local feed made by <c>scripts/pack.sh</c> is found (<c>MLNETLLM_FEED</c>, else the clone's
/// <c>artifacts/feed</c>) — the packages are copied to the output folder's <c>packages/</c> and a <c>nuget.config</c>
/// points there, so the folder builds on any machine — else by relative project reference into the clone the tool
/// runs from, else as packages to be put into <c>packages/</c> (its README says how).
/// </summary>
internal sealed class ConsumptionProjectGenerator
{
    readonly ModelSignature _signature;
    readonly string _name;
    readonly string[] _properties;

    /// <param name="signature">What the model reads and predicts.</param>
    /// <param name="name">The model's class name (a C# identifier), e.g. "SpamModel".</param>
    public ConsumptionProjectGenerator(ModelSignature signature, string name)
    {
        _signature = signature;
        _name = name;
        _properties = CSharpNames.Identifiers(signature.TextColumns, "Text");
    }

    /// <summary>The model class name for an output folder ("out/spam" → "SpamModel").</summary>
    public static string NameFor(string outputFolder) =>
        CSharpNames.Identifier(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder))), "Trained") + "Model";

    /// <summary>
    /// Writes the project into <paramref name="outputFolder"/>/&lt;Name&gt;.ConsoleApp and returns its .csproj path.
    /// The model file is expected at <paramref name="outputFolder"/>/<paramref name="modelFileName"/>.
    /// </summary>
    /// <param name="outputFolder">The run's output folder.</param>
    /// <param name="modelFileName">The model file's name in <paramref name="outputFolder"/>.</param>
    /// <param name="model">The trained model; its MLNetLlm stages decide which libraries the project references.</param>
    /// <param name="example">Text values of one example row, used by Program.cs when it gets no arguments.</param>
    /// <param name="training">How the generated training code rebuilds and fits the run's pipeline.</param>
    /// <param name="repoRoot">The MLNetLlm clone the tool runs from (its feed, or its projects), or null.</param>
    /// <param name="exampleLabel">What the example row's label is (printed beside the prediction), or null.</param>
    public string Write(string outputFolder, string modelFileName, ITransformer model, IReadOnlyList<string> example, TrainingCode training, string? repoRoot,
        string? exampleLabel = null)
    {
        string project = $"{_name}.ConsoleApp";
        string dir = Path.Combine(outputFolder, project);
        Directory.CreateDirectory(dir);
        // Core (model file, data loading) and Data (the training code's NormalizeText) always; more when stages need them.
        var libraries = new SortedSet<string>(training.Libraries, StringComparer.Ordinal) { "MLNetLlm.Core", "MLNetLlm.Data" };
        foreach (var stage in Stages(model))
            if (stage is IPersistentTransformer && stage.GetType().Assembly.GetName().Name is { } asm && asm.StartsWith("MLNetLlm.", StringComparison.Ordinal))
                libraries.Add(asm);

        // Stop MSBuild from picking up the settings of a repository the output folder may sit in.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />\n");
        var references = LibraryReferences.For(libraries, dir, repoRoot);
        // By project, the libtorch GLIBCXX patch comes from the clone's build folder; the MLNetLlm.Torch package brings its own.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.targets"), references.TorchTargets is { } torchTargets && libraries.Contains("MLNetLlm.Torch")
            ? $"<Project>\n  <Import Project=\"{CSharpNames.Xml(torchTargets)}\" />\n</Project>\n"
            : "<Project />\n");
        references.WriteFeed(outputFolder, dir);

        string csproj = Path.Combine(dir, project + ".csproj");
        File.WriteAllText(csproj, Csproj(modelFileName, references.Items));
        File.WriteAllText(Path.Combine(dir, "README.md"), Readme(project, references));
        File.WriteAllText(Path.Combine(dir, "ModelInput.cs"), ModelInput());
        File.WriteAllText(Path.Combine(dir, "ModelOutput.cs"), ModelOutput());
        File.WriteAllText(Path.Combine(dir, $"{_name}.Consumption.cs"), Consumption(modelFileName));
        File.WriteAllText(Path.Combine(dir, $"{_name}.Training.cs"), Training(training));
        File.WriteAllText(Path.Combine(dir, "Program.cs"), Program(example, exampleLabel));
        return csproj;
    }

    static IEnumerable<ITransformer> Stages(ITransformer t)
    {
        if (t is IEnumerable<ITransformer> chain && t.GetType().IsGenericType && t.GetType().GetGenericTypeDefinition() == typeof(Microsoft.ML.Data.TransformerChain<>))
        {
            foreach (var inner in chain)
                foreach (var s in Stages(inner)) yield return s;
        }
        else yield return t;
    }

    string Namespace => $"{_name}App";

    string Readme(string project, LibraryReferences references) => $"""
        # {project}

        Generated by `mlnet-llm train`: loads `../model.mlnetllm` and predicts (`dotnet run -- "text"`; without
        arguments it predicts the example row in Program.cs, a real evaluation row the model gets right).
        `{_name}.Training.cs` rebuilds the pipeline the run trained.

        {references.Explanation}

        """;

    string Csproj(string modelFileName, IReadOnlyList<string> items)
    {
        var refs = new StringBuilder();
        foreach (var item in items) refs.AppendLine("    " + item);
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <!-- Generated by mlnet-llm train: loads ../{modelFileName} and predicts. -->
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <RootNamespace>{Namespace}</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
            {refs.ToString().TrimEnd()}
              </ItemGroup>
              <ItemGroup>
                <None Include="../{modelFileName}" Link="{modelFileName}" CopyToOutputDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>

            """;
    }

    string ModelInput()
    {
        var sb = new StringBuilder();
        sb.AppendLine("// Generated by mlnet-llm train.");
        sb.AppendLine("using Microsoft.ML.Data;");
        sb.AppendLine();
        sb.AppendLine($"namespace {Namespace};");
        sb.AppendLine();
        sb.AppendLine("/// <summary>One row the model reads: its text columns.</summary>");
        sb.AppendLine("public sealed class ModelInput");
        sb.AppendLine("{");
        for (int i = 0; i < _properties.Length; i++)
        {
            sb.AppendLine($"    [ColumnName({CSharpNames.Literal(_signature.TextColumns[i])})]");
            sb.AppendLine($"    public string {_properties[i]} {{ get; set; }} = \"\";");
            if (i < _properties.Length - 1) sb.AppendLine();
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    string ModelOutput()
    {
        string body = _signature.Task switch
        {
            TaskKind.Binary => $$"""
                    /// <summary>True when the model predicts {{CSharpNames.Xml(_signature.Classes[1])}}.</summary>
                    [ColumnName("PredictedLabel")]
                    public bool PredictedLabel { get; set; }

                    /// <summary>The probability of {{CSharpNames.Xml(_signature.Classes[1])}}.</summary>
                    [ColumnName("Probability")]
                    public float Probability { get; set; }

                    /// <summary>The raw score (margin).</summary>
                    [ColumnName("Score")]
                    public float Score { get; set; }

                    /// <summary>The predicted class name.</summary>
                    public string PredictedClass => PredictedLabel ? {{CSharpNames.Literal(_signature.Classes[1])}} : {{CSharpNames.Literal(_signature.Classes[0])}};
                """,
            TaskKind.Multiclass => $$"""
                    /// <summary>The class names, in the order of <see cref="Score"/>.</summary>
                    public static readonly string[] Classes = [{{string.Join(", ", _signature.Classes.Select(CSharpNames.Literal))}}];

                    /// <summary>The predicted class name.</summary>
                    [ColumnName("{{PipelineFactory.PredictedClassColumn}}")]
                    public string PredictedClass { get; set; } = "";

                    /// <summary>The probability of each class, in the order of <see cref="Classes"/>.</summary>
                    [ColumnName("Score")]
                    public float[] Score { get; set; } = [];

                    /// <summary>The probability of the predicted class.</summary>
                    public float Probability => Score.Length == 0 ? 0 : Score.Max();
                """,
            _ => """
                    /// <summary>The predicted value.</summary>
                    [ColumnName("Score")]
                    public float Score { get; set; }
                """,
        };
        return $$"""
            // Generated by mlnet-llm train.
            using Microsoft.ML.Data;

            namespace {{Namespace}};

            /// <summary>What the model predicts for one <see cref="ModelInput"/>.</summary>
            public sealed class ModelOutput
            {
            {{body}}
            }

            """;
    }

    string Consumption(string modelFileName) => $$"""
        // Generated by mlnet-llm train: load the model once, predict one row at a time.
        using Microsoft.ML;
        using MLNetLlm;

        namespace {{Namespace}};

        /// <summary>The model trained by mlnet-llm ({{_signature.Task.ToString().ToLowerInvariant()}}: {{CSharpNames.Xml(string.Join(", ", _signature.TextColumns))}} → {{CSharpNames.Xml(_signature.LabelColumn)}}).</summary>
        public static partial class {{_name}}
        {
            /// <summary>The model file, copied beside the program by the project file.</summary>
            public static readonly string ModelPath = Path.Combine(AppContext.BaseDirectory, {{CSharpNames.Literal(modelFileName)}});

            static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> Engine = new(CreateEngine, isThreadSafe: true);
            static readonly object Gate = new();

            /// <summary>Predicts one row. Thread-safe (one engine, used under a lock).</summary>
            public static ModelOutput Predict(ModelInput input)
            {
                lock (Gate) return Engine.Value.Predict(input);
            }

            static PredictionEngine<ModelInput, ModelOutput> CreateEngine()
            {
                var mlContext = new MLContext();
                ITransformer model = mlContext.Llm().Model.Load(ModelPath, out _);
                return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);
            }
        }

        """;

    string Training(TrainingCode training)
    {
        var columns = new StringBuilder();
        for (int i = 0; i < _signature.TextColumns.Count; i++)
        {
            string col = CSharpNames.Literal(_signature.TextColumns[i]);
            columns.AppendLine($"            ({col}, TextDataViewType.Instance, table.Column({col}).Select(t => t.AsMemory()).ToArray()),");
        }
        string label = CSharpNames.Literal(_signature.LabelColumn);
        string labelColumn = _signature.Task switch
        {
            TaskKind.Binary when _signature.PositiveLabel != null =>
                $"(\"Label\", BooleanDataViewType.Instance, table.Column({label}).Select(v => v.Trim() == {CSharpNames.Literal(_signature.PositiveLabel)}).ToArray())",
            TaskKind.Binary => $"(\"Label\", BooleanDataViewType.Instance, table.ToDataView(({label}, BooleanDataViewType.Instance)).GetColumn<bool>({label}))",
            TaskKind.Multiclass => $"(\"Label\", TextDataViewType.Instance, table.Column({label}).Select(v => v.Trim().AsMemory()).ToArray())",
            _ => $"(\"Label\", NumberDataViewType.Single, table.ToDataView(({label}, NumberDataViewType.Single)).GetColumn<float>({label}))",
        };
        string fit = _signature.Task == TaskKind.Multiclass
            ? """
                      // The label becomes a key (classes in the model's order) before training; this step is not part of the saved model.
                      var classes = InMemoryDataView.FromColumns(("Class", TextDataViewType.Instance, ModelOutput.Classes.Select(c => c.AsMemory()).ToArray()));
                      var labelToKey = mlContext.Transforms.Conversion.MapValueToKey("Label", "Label", keyData: classes).Fit(data);
                      var model = FIT;
              """.Replace("FIT", training.FitExpression.Replace("DATA", "labelToKey.Transform(data)"))
            : """
                      var model = FIT;
              """.Replace("FIT", training.FitExpression.Replace("DATA", "data"));
        return $$"""
            // Generated by mlnet-llm train: the pipeline the run trained, to retrain it in code.
            using Microsoft.ML;
            using Microsoft.ML.Data;
            using Microsoft.ML.Trainers;
            using MLNetLlm;
            using MLNetLlm.Data;
            using MLNetLlm.Data.Cleaning;
            using MLNetLlm.DataViews;
            using MLNetLlm.IO;
            {{string.Join("\n", training.Usings.Select(u => $"using {u};"))}}

            namespace {{Namespace}};

            public static partial class {{_name}}
            {
                /// <summary>Loads a CSV/TSV file with the text columns and the label ({{CSharpNames.Xml(_signature.LabelColumn)}}) as the training data view.</summary>
                public static InMemoryDataView LoadData(string path)
                {
                    var table = DelimitedFile.Read(path);
                    return InMemoryDataView.FromColumns(
            {{columns.ToString().TrimEnd()}}
                        {{labelColumn}});
                }

            {{training.Members}}

                /// <summary>Trains on <paramref name="dataPath"/> and saves the model to <paramref name="modelPath"/>.</summary>
                public static ITransformer Train(string dataPath, string modelPath, int seed = 42)
                {
                    var mlContext = new MLContext(seed);
                    var data = LoadData(dataPath);
            {{fit.TrimEnd()}}
                    mlContext.Llm().Model.Save(model, data.Schema, modelPath);
                    return model;
                }
            }

            """;
    }

    string Program(IReadOnlyList<string> example, string? exampleLabel)
    {
        var assignments = new StringBuilder();
        for (int i = 0; i < _properties.Length; i++)
        {
            string sample = example.Count > i ? example[i] : "";
            assignments.AppendLine($"    {_properties[i]} = args.Length > {i} ? args[{i}] : {CSharpNames.Literal(sample)},");
        }
        string print = _signature.Task == TaskKind.Regression
            ? "Console.WriteLine($\"Predicted score: {output.Score:0.####}\");"
            : "Console.WriteLine($\"Predicted: {output.PredictedClass} (probability {output.Probability:0.####})\");";
        string expected = exampleLabel == null ? "" : $$"""
            if (args.Length == 0) Console.WriteLine({{CSharpNames.Literal($"(the example is a row of the evaluation data; its label: {exampleLabel})")}});

            """;
        return $$"""
            // Generated by mlnet-llm train. Usage: dotnet run -- [text values, one per text column]
            // Without arguments it predicts a real row of the evaluation data that the model predicts correctly.
            using {{Namespace}};

            var input = new ModelInput
            {
            {{assignments.ToString().TrimEnd()}}
            };
            var output = {{_name}}.Predict(input);
            {{print}}
            {{expected.TrimEnd()}}

            """;
    }
}
