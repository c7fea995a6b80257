using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetLlm.Torch.Adapters;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Trainers;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Adapters;

public sealed class LoraAndPromptTuningTests : TempDirectoryTest
{

    [Fact]
    public void LoraStartsAtTheBaseAndMergeKeepsOutputs()
    {
        using var scope = NewDisposeScope();
        var baseLayer = nn.Linear(16, 8);
        var x = randn(4, 16);
        var before = baseLayer.forward(x).detach();
        var lora = new LoraLinear(baseLayer, 4, 8, 0.0, new ComputeSettings());
        Assert.True(lora.forward(x).allclose(before, atol: 1e-6)); // B = 0
        Assert.Equal(2.0, lora.Scaling);
        using (no_grad()) lora.B.normal_(0, 0.5);
        var adapted = lora.forward(x).detach();
        Assert.False(adapted.allclose(before, atol: 1e-3));
        var w0 = baseLayer.weight!.detach().clone();
        lora.Merge();
        Assert.True(lora.forward(x).allclose(adapted, atol: 1e-5));
        Assert.True(baseLayer.forward(x).allclose(adapted, atol: 1e-5));
        lora.Unmerge();
        Assert.True(baseLayer.weight!.allclose(w0, atol: 1e-6));
    }

    static TextClassificationTrainer.Options Pretrained(FineTuningMode mode) => new()
    {
        PretrainedModelPath = HfFixture.Dir,
        Mode = mode,
        NumberOfEpochs = 3,
        BatchSize = 8,
        MaxLength = 24,
        PromptTokens = 4,
        LoraRank = 4,
        Device = "cpu",
    };

    static Dictionary<string, float[]> Weights(string dir)
    {
        var t = SafeTensors.Read(Path.Combine(dir, "model.safetensors"));
        var d = t.ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        foreach (var v in t.Values) v.Dispose();
        return d;
    }

    [Fact]
    public void LoraTrainsOnlyAdaptersAndHeadAndAdaptersReloadSeparately()
    {
        var ml = new MLContext(seed: 1);
        var rows = TestData.Sentiment(32);
        var data = TestData.Load(ml, rows);
        var model = ml.Llm().TextClassification(Pretrained(FineTuningMode.Lora)).Fit(data);
        var scores = model.Transform(data).GetColumn<float>("Score").ToArray();

        string hf = PathOf("hf"), adapter = PathOf("adapter");
        model.SaveHuggingFace(hf);
        model.SaveLoraAdapter(adapter);
        var original = Weights(HfFixture.Dir);
        var tuned = Weights(hf);
        Assert.Equal(original.Keys.Order(), tuned.Keys.Order());
        foreach (var (key, w) in original)
        {
            bool adapted = key.EndsWith("query.weight") || key.EndsWith("value.weight") || key.StartsWith("classifier.");
            Assert.True(adapted != w.SequenceEqual(tuned[key]), $"{key}: changed = {!w.SequenceEqual(tuned[key])}");
        }

        // Base checkpoint + separately saved adapter reproduces the fine-tuned model.
        var (fresh, tok, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU, labels: ["false", "true"], allowNewHead: true);
        LoraAdapterFile.Load(fresh, adapter);
        Assert.Equal(2, fresh.LoraAdapters().Count(a => a.Prefix.StartsWith("bert.encoder.layer.0.")));
        fresh.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = tok.Encode(rows.Select(r => r.Text).ToList(), null, 24).ToTensors();
        var logits = fresh.Forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        var diff = (logits[.., 1] - logits[.., 0]).data<float>().ToArray();
        for (int i = 0; i < rows.Count; i++) AssertClose.Equal(scores[i], diff[i], abs: 1e-5, rel: 1e-5);
    }

    [Fact]
    public void PromptTuningFreezesTheEncoderAndRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Load(ml, TestData.Sentiment(32));
        var o = Pretrained(FineTuningMode.PromptTuning);
        var model = ml.Llm().TextClassification(o).Fit(data);
        string hf = PathOf("hf");
        model.SaveHuggingFace(hf);
        var original = Weights(HfFixture.Dir);
        var tuned = Weights(hf);
        foreach (var (key, w) in original.Where(kv => kv.Key.StartsWith("bert.")))
            Assert.True(w.SequenceEqual(tuned[key]), $"{key} changed under prompt tuning");
        Assert.Equal(4, model.Model.Model.Prompt!.Count);

        string path = PathOf("prompt.mlnetllm");
        ml.Llm().Model.Save(model, data.Schema, path);
        var loaded = new MLContext().Llm().Model.Load(path, out _);
        Assert.Equal(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
    }

    [Fact]
    public void PromptLongerThanThePositionTableIsRejected()
    {
        var o = Pretrained(FineTuningMode.PromptTuning);
        o.MaxLength = HfFixture.Config.MaxPositionEmbeddings - 8;
        o.PromptTokens = 20; // 12 more than max_position_embeddings
        var ml = new MLContext();
        var ex = Assert.Throws<ArgumentException>(() => ml.Llm().TextClassification(o).Fit(TestData.Load(ml, TestData.Sentiment(4))));
        Assert.Contains("max_position_embeddings", ex.Message);
    }
}
