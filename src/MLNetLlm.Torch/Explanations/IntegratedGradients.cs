using MLNetLlm.Explanations;
using MLNetLlm.Torch.Models;
using MLNetLlm.Torch.Tokenization;
using MLNetLlm.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Explanations;

/// <summary>
/// Integrated gradients over the input word embeddings: attribution of token t =
/// Σ_h (x − x′)_{t,h} · ∫₀¹ ∂f(x′ + α(x − x′))/∂x_{t,h} dα, the integral by the trapezoid rule over m intervals. f is the
/// explained output: a binary model's score (logit₁ − logit₀), a class's logit, or the regression value. The attributions
/// sum to f(x) − f(x′) up to the integration error (completeness). Token attributions are summed per word (a WordPiece
/// token starting with ## joins the word before it).
/// </summary>
internal static class IntegratedGradients
{
    public static Explanation Explain(BertForSequenceClassification model, BertTextTokenizer tokenizer, TextTask task, int maxLength, Device device,
        IReadOnlyList<string> labels, string text, string? pair, IntegratedGradientsOptions? options)
    {
        options ??= new IntegratedGradientsOptions();
        options.Validate();
        model.eval();
        using var scope = NewDisposeScope();
        var row = tokenizer.EncodeRow(text, pair, maxLength);
        var (ids, mask, types) = tokenizer.Collate([row]).ToTensors(device);
        var table = model.Bert.Embeddings.WordEmbeddings;
        Tensor x, baseline;
        using (no_grad())
        {
            x = table.forward(ids).to_type(ScalarType.Float32);
            var special = row.Ids.Select(id => id == tokenizer.ClsId || id == tokenizer.SepId).ToArray();
            var keep = tensor(special.Select(s => s ? 1f : 0f).ToArray(), device: device).view(1, -1, 1);
            var replacement = options.Baseline == IntegratedGradientsBaseline.Pad
                ? table.forward(full_like(ids, tokenizer.PadId)).to_type(ScalarType.Float32)
                : zeros_like(x);
            baseline = keep * x + (1 - keep) * replacement;
        }
        var diff = x - baseline;

        int target;
        float[] outX, outBase;
        using (no_grad())
        {
            outX = Raw(model, x, mask, types);
            outBase = Raw(model, baseline, mask, types);
        }
        target = task switch
        {
            TextTask.Binary => -1,
            TextTask.Regression => 0,
            _ => options.TargetClass ?? Array.IndexOf(outX, outX.Max()),
        };
        if (task == TextTask.Multiclass && (target < 0 || target >= outX.Length))
            throw new ArgumentOutOfRangeException(nameof(options), target, $"TargetClass must be in [0, {outX.Length}).");
        double Pick(float[] o) => target < 0 ? o[1] - o[0] : o[target];

        int m = options.Steps;
        var total = zeros_like(x);
        using (enable_grad())
        {
            for (int start = 0; start <= m; start += options.BatchSize)
            {
                using var step = NewDisposeScope();
                int n = Math.Min(options.BatchSize, m + 1 - start);
                var alphas = Enumerable.Range(start, n).Select(k => (float)k / m).ToArray();
                var weights = Enumerable.Range(start, n).Select(k => (k == 0 || k == m ? 0.5f : 1f) / m).ToArray();
                var a = tensor(alphas, device: device).view(-1, 1, 1);
                var points = (baseline + a * diff).detach().requires_grad_(true);
                var logits = model.ForwardWords(points, mask.expand(n, -1), types.expand(n, -1)).to_type(ScalarType.Float32);
                var f = target < 0 ? logits.select(1, 1) - logits.select(1, 0) : logits.select(1, target);
                var grad = torch.autograd.grad([f.sum()], [points])[0];
                using (no_grad()) total.add_((grad * tensor(weights, device: device).view(-1, 1, 1)).sum(0, keepdim: true));
            }
        }
        float[] perToken;
        using (no_grad()) perToken = (diff * total).sum(-1).squeeze(0).cpu().data<float>().ToArray();

        var tokens = new List<FeatureWeight>(perToken.Length);
        var words = new List<FeatureWeight>();
        for (int i = 0; i < perToken.Length; i++)
        {
            int id = row.Ids[i];
            string token = id >= 0 && id < tokenizer.Vocabulary.Count ? tokenizer.Vocabulary[id] : $"[{id}]";
            tokens.Add(new FeatureWeight(token, perToken[i]));
            if (id == tokenizer.ClsId || id == tokenizer.SepId) continue;
            if (token.StartsWith("##", StringComparison.Ordinal) && words.Count > 0 && i > 0 && row.Ids[i - 1] != tokenizer.SepId)
                words[^1] = new FeatureWeight(words[^1].Name + token[2..], words[^1].Weight + perToken[i]);
            else words.Add(new FeatureWeight(token, perToken[i]));
        }
        return new Explanation
        {
            Method = "integrated-gradients",
            Target = task switch { TextTask.Binary => "score", TextTask.Regression => "value", _ => labels.Count > target ? labels[target] : target.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Output = Pick(outX),
            Reference = Pick(outBase),
            Features = words,
            Tokens = tokens,
        };
    }

    static float[] Raw(BertForSequenceClassification model, Tensor embeddings, Tensor mask, Tensor types)
    {
        using var scope = NewDisposeScope();
        return model.ForwardWords(embeddings, mask, types).to_type(ScalarType.Float32).cpu().data<float>().ToArray();
    }
}
