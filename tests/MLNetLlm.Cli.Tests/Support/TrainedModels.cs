namespace MLNetLlm.Cli.Tests.Support;

/// <summary>Models trained once per test collection on small synthetic data: binary (spam/ham), multiclass, sentence-pair regression.</summary>
public sealed class TrainedModels : IDisposable
{
    readonly TempFolder _folder = new();

    public TrainedModels()
    {
        BinaryTrain = _folder.Write("binary/train.csv", SyntheticData.Classification(80, seed: 1, "spam", "ham"));
        BinaryTest = _folder.Write("binary/test.csv", SyntheticData.Classification(40, seed: 2, "spam", "ham"));
        BinaryOutput = _folder.File("binary/out");
        Train("train", "--dataset", BinaryTrain, "--test-dataset", BinaryTest, "--positive-label", "spam", "--output", BinaryOutput);

        MulticlassTrain = _folder.Write("multi/train.csv", SyntheticData.Classification(90, seed: 3, "spam", "ham", "sports"));
        MulticlassTest = _folder.Write("multi/test.csv", SyntheticData.Classification(45, seed: 4, "spam", "ham", "sports"));
        MulticlassOutput = _folder.File("multi/out");
        Train("train", "--task", "multiclass", "--dataset", MulticlassTrain, "--validation-dataset", MulticlassTest, "--output", MulticlassOutput);

        PairsTrain = _folder.Write("pairs/train.csv", SyntheticData.SentencePairs(120, seed: 5));
        PairsOutput = _folder.File("pairs/out");
        Train("train", "--task", "regression", "--dataset", PairsTrain, "--label-col", "Score",
            "--text-col", "Sentence1", "--text-col", "Sentence2", "--split", "0.25", "--output", PairsOutput);
    }

    public string BinaryTrain { get; }
    public string BinaryTest { get; }
    public string BinaryOutput { get; }
    public string BinaryModel => Path.Combine(BinaryOutput, "model.mlnetllm");
    public string MulticlassTrain { get; }
    public string MulticlassTest { get; }
    public string MulticlassOutput { get; }
    public string MulticlassModel => Path.Combine(MulticlassOutput, "model.mlnetllm");
    public string PairsTrain { get; }
    public string PairsOutput { get; }
    public string PairsModel => Path.Combine(PairsOutput, "model.mlnetllm");

    /// <summary>Where a test may write files of its own.</summary>
    public TempFolder Folder => _folder;

    static void Train(params string[] args)
    {
        var r = CliResult.Run(args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"fixture training failed ({r.ExitCode}): {r.Err}");
    }

    public void Dispose() => _folder.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedModelsCollection : ICollectionFixture<TrainedModels>
{
    public const string Name = "trained models";
}
