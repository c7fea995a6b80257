using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Checkpoints;

public sealed class HuggingFaceCheckpointTests : TempDirectoryTest
{

    string CopyFixture(Action<Dictionary<string, Tensor>>? edit = null)
    {
        foreach (var f in new[] { "config.json", "vocab.txt", "tokenizer.json" })
            File.Copy(Path.Combine(HfFixture.Dir, f), PathOf(f), true);
        var tensors = SafeTensors.Read(Path.Combine(HfFixture.Dir, "model.safetensors"));
        edit?.Invoke(tensors);
        SafeTensors.Write(PathOf("model.safetensors"), tensors);
        foreach (var t in tensors.Values) t.Dispose();
        return Dir;
    }

    [Fact]
    public void EveryFixtureKeyIsAccountedFor()
    {
        var (model, _, report) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        var keys = SafeTensors.ReadIndex(Path.Combine(HfFixture.Dir, "model.safetensors")).Select(e => e.Name).ToHashSet();
        Assert.Equal(keys.Count, report.Loaded.Count + report.IgnoredPretrainingKeys.Count);
        Assert.Equal(keys.Order(), model.HuggingFaceWeights().Keys.Order()); // pooler + classifier included, no extras
        Assert.Empty(report.NewlyInitialized);
    }

    [Fact]
    public void MissingUnexpectedAndMisshapedKeysAreNamed()
    {
        CopyFixture(t => { t.Remove("bert.pooler.dense.bias"); t["bert.extra.weight"] = zeros(2); });
        var ex = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(Dir, CPU));
        Assert.Contains("missing key 'bert.pooler.dense.bias'", ex.Message);
        Assert.Contains("unexpected key 'bert.extra.weight'", ex.Message);

        int h = HfFixture.Config.HiddenSize;
        CopyFixture(t => t["bert.encoder.layer.0.attention.self.query.weight"] = zeros(h, h / 2));
        ex = Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(Dir, CPU));
        Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", ex.Message);
        Assert.Contains($"[{h}, {h / 2}]", ex.Message);
    }

    [Fact]
    public void ANewHeadIsInitialisedOnlyWhenAllowed()
    {
        CopyFixture(t => { t.Remove("classifier.weight"); t.Remove("classifier.bias"); t["cls.predictions.bias"] = zeros(HfFixture.Config.VocabSize); });
        Assert.Throws<InvalidDataException>(() => HuggingFaceCheckpoint.Load(Dir, CPU));
        var (model, _, report) = HuggingFaceCheckpoint.Load(Dir, CPU, labels: ["neg", "pos"], allowNewHead: true);
        Assert.Equal(["classifier.bias", "classifier.weight"], report.NewlyInitialized);
        Assert.Equal(["cls.predictions.bias"], report.IgnoredPretrainingKeys);
        Assert.Equal(2, model.Config.NumLabels);
    }

    [Fact]
    public void ConfigRoundTripsAndRejectsBadValues()
    {
        var c = BertConfig.Load(Path.Combine(HfFixture.Dir, "config.json"));
        Assert.Equal(c, BertConfig.FromHuggingFaceJson(c.ToHuggingFaceJson()) with { Labels = c.Labels });
        Assert.Equal(c.Labels, BertConfig.FromHuggingFaceJson(c.ToHuggingFaceJson()).Labels);
        Assert.Contains("num_attention_heads", Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson("""{"hidden_size": 10, "num_attention_heads": 3}""")).Message);
        Assert.Contains("roberta", Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson("""{"model_type": "roberta"}""")).Message);
        Assert.Contains("hidden_size", Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson("""{"hidden_size": "big"}""")).Message);
    }
}
