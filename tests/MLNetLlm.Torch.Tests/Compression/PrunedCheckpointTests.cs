using System.Text.Json.Nodes;
using MLNetLlm.Torch.Checkpoints;
using MLNetLlm.Torch.Compression.Bert;
using MLNetLlm.Torch.Compression.Pruning;
using MLNetLlm.Torch.Models;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Tests.Compression;

/// <summary>A structurally pruned encoder (different widths per layer) saves as a TorchSharp checkpoint and loads back unchanged.</summary>
public sealed class PrunedCheckpointTests : TempDirectoryTest
{
    [Trait("Speed", "Slow")]
    [Fact]
    public void PrunedModelWithPerLayerWidthsRoundTripsWithIdenticalLogits()
    {
        var (model, tokenizer, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        using (model)
        {
            var c = model.Config;
            // Even layers lose half their heads and a quarter of their FFN neurons, odd layers a quarter and a half.
            for (int i = 0; i < model.Bert.Layers.Count; i++)
            {
                var s = model.Bert.Layers[i].Slots().ToDictionary(x => x.Name, x => x.Slot.Layer);
                double heads = i % 2 == 0 ? 0.5 : 0.25, ffn = i % 2 == 0 ? 0.25 : 0.5;
                StructuredPruning.PruneAttentionHeads(s["query"], s["key"], s["value"], s["attention.output"], c.HeadSize, heads);
                StructuredPruning.PruneFeedForward(s["intermediate"], s["output"], ffn);
            }
            var widths = BertCompression.Widths(model);
            Assert.Contains(widths, w => w.Heads < c.NumAttentionHeads);

            string dir = PathOf("pruned");
            HuggingFaceCheckpoint.Save(dir, model, tokenizer);
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile)))!;
            Assert.Equal(widths.Select(w => w.Heads), json["mlnetllm_layer_attention_heads"]!.AsArray().Select(n => n!.GetValue<int>()));
            Assert.Equal(widths.Select(w => w.Neurons), json["mlnetllm_layer_intermediate_sizes"]!.AsArray().Select(n => n!.GetValue<int>()));
            Assert.Equal(c.NumAttentionHeads, json["num_attention_heads"]!.GetValue<int>()); // the head width stays hidden / original heads

            var (loaded, loadedTokenizer, report) = HuggingFaceCheckpoint.Load(dir, CPU);
            using (loaded)
            {
                Assert.Empty(report.NewlyInitialized);
                Assert.Equal(widths, BertCompression.Widths(loaded));
                model.eval();
                loaded.eval();
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                string[] texts = ["the meeting moved to monday", "win a free prize now!!", "can you review the attached report?"];
                var a = tokenizer.Encode(texts, null, 32).ToTensors();
                var b = loadedTokenizer.Encode(texts, null, 32).ToTensors();
                var before = model.Forward(a.InputIds, a.AttentionMask, a.TokenTypeIds);
                var after = loaded.Forward(b.InputIds, b.AttentionMask, b.TokenTypeIds);
                float maxDiff = (before - after).abs().max().item<float>();
                Assert.True(maxDiff < 1e-6, $"max |logits before - after| = {maxDiff}");
            }
        }
    }

    [Fact]
    public void UnprunedConfigHasNoExtraKeysAndBadWidthListsAreNamed()
    {
        var (model, tokenizer, _) = HuggingFaceCheckpoint.Load(HfFixture.Dir, CPU);
        using (model)
        {
            string dir = PathOf("plain");
            HuggingFaceCheckpoint.Save(dir, model, tokenizer);
            string json = File.ReadAllText(Path.Combine(dir, HuggingFaceCheckpoint.ConfigFile));
            Assert.DoesNotContain("mlnetllm_", json);
        }
        var ex = Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson("""{"num_hidden_layers": 2, "mlnetllm_layer_attention_heads": [2]}"""));
        Assert.Contains("mlnetllm_layer_attention_heads has 1 entries but num_hidden_layers is 2", ex.Message);
        ex = Assert.Throws<FormatException>(() => BertConfig.FromHuggingFaceJson("""{"num_hidden_layers": 2, "mlnetllm_layer_intermediate_sizes": [64, "x"]}"""));
        Assert.Contains("mlnetllm_layer_intermediate_sizes'[1]", ex.Message);
    }
}
