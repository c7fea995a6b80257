#!/usr/bin/python3
"""Writes a second tiny HF-layout BERT checkpoint for running the test suites against a checkpoint other than
hf-tiny-bert (MLNETLLM_HF_FIXTURE=<out> scripts/test.sh ...). Not a test dependency: a developer's tool.

It keeps the fixture's vocabulary (so the fixture's recorded token ids stay valid) and changes everything else:
hidden size, head count and size, layers, feed-forward width, label count, and weights of a trained model's scale.
reference.json gets the fixture's inputs plus outputs computed here by an independent BERT forward written from the
architecture's definition in PyTorch (Debian's python3-torch), and one torch.optim.AdamW step, like the fixture's.

usage: /usr/bin/python3 scripts/make-test-checkpoint.py FIXTURE_DIR OUT_DIR [--hidden 48 --heads 4 --layers 3
       --intermediate 80 --labels 5 --seed 7]
"""
import argparse, json, math, os, shutil, struct
import torch

ap = argparse.ArgumentParser()
ap.add_argument("fixture"); ap.add_argument("out")
ap.add_argument("--hidden", type=int, default=48); ap.add_argument("--heads", type=int, default=4)
ap.add_argument("--layers", type=int, default=3); ap.add_argument("--intermediate", type=int, default=80)
ap.add_argument("--labels", type=int, default=5); ap.add_argument("--seed", type=int, default=7)
a = ap.parse_args()
assert a.hidden % a.heads == 0
src = json.load(open(os.path.join(a.fixture, "config.json")))
ref = json.load(open(os.path.join(a.fixture, "reference.json")))
V, P, T = src["vocab_size"], src["max_position_embeddings"], src["type_vocab_size"]
H, L, I, C, eps = a.hidden, a.layers, a.intermediate, a.labels, 1e-12
torch.manual_seed(a.seed)

def lin(o, i, gain=1.0):
    return torch.randn(o, i) * (gain / math.sqrt(i)), torch.randn(o) * 0.1

W = {}
W["bert.embeddings.word_embeddings.weight"] = torch.randn(V, H)
W["bert.embeddings.word_embeddings.weight"][src.get("pad_token_id", 0)] = 0
W["bert.embeddings.position_embeddings.weight"] = torch.randn(P, H) * 0.5
W["bert.embeddings.token_type_embeddings.weight"] = torch.randn(T, H) * 0.5
def ln(prefix):
    W[prefix + ".weight"] = 1 + 0.2 * torch.randn(H); W[prefix + ".bias"] = 0.3 * torch.randn(H)
ln("bert.embeddings.LayerNorm")
for l in range(L):
    p = f"bert.encoder.layer.{l}."
    for name, o, i, g in [("attention.self.query", H, H, 1.5), ("attention.self.key", H, H, 1.5), ("attention.self.value", H, H, 1.0),
                          ("attention.output.dense", H, H, 1.0), ("intermediate.dense", I, H, 2.0), ("output.dense", H, I, 1.0)]:
        W[p + name + ".weight"], W[p + name + ".bias"] = lin(o, i, g)
    ln(p + "attention.output.LayerNorm"); ln(p + "output.LayerNorm")
W["bert.pooler.dense.weight"], W["bert.pooler.dense.bias"] = lin(H, H)
W["classifier.weight"], W["classifier.bias"] = lin(C, H, 3.0)

def forward(w, ids, mask, types):
    """BERT from its definition: embeddings + LayerNorm, post-LN layers with exact GELU, tanh pooler, linear head."""
    ids, mask, types = torch.tensor(ids), torch.tensor(mask), torch.tensor(types)
    B, S = ids.shape
    x = w["bert.embeddings.word_embeddings.weight"][ids] + w["bert.embeddings.position_embeddings.weight"][torch.arange(S)][None] \
        + w["bert.embeddings.token_type_embeddings.weight"][types]
    def norm(x, p): return torch.nn.functional.layer_norm(x, (H,), w[p + ".weight"], w[p + ".bias"], eps)
    def dense(x, p): return x @ w[p + ".weight"].T + w[p + ".bias"]
    x = norm(x, "bert.embeddings.LayerNorm")
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    d = H // a.heads
    for l in range(L):
        p = f"bert.encoder.layer.{l}."
        def heads(y): return y.view(B, S, a.heads, d).transpose(1, 2)
        q, k, v = (heads(dense(x, p + "attention.self." + n)) for n in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + additive, -1)
        ctx = (probs @ v).transpose(1, 2).reshape(B, S, H)
        x = norm(dense(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = dense(x, p + "intermediate.dense")
        h = 0.5 * h * (1 + torch.erf(h / math.sqrt(2)))
        x = norm(dense(h, p + "output.dense") + x, p + "output.LayerNorm")
    pooled = torch.tanh(dense(x[:, 0], "bert.pooler.dense"))
    return dense(pooled, "classifier"), x

os.makedirs(a.out, exist_ok=True)
for f in ("vocab.txt", "tokenizer.json"):
    if os.path.exists(os.path.join(a.fixture, f)): shutil.copy(os.path.join(a.fixture, f), a.out)
cfg = dict(src)
cfg.update(hidden_size=H, num_attention_heads=a.heads, num_hidden_layers=L, intermediate_size=I, layer_norm_eps=eps,
           id2label={str(i): f"LABEL_{i}" for i in range(C)}, label2id={f"LABEL_{i}": i for i in range(C)})
json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=2)

# safetensors: 8-byte header length, JSON header, raw little-endian float32 data
header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
for name in sorted(W):
    b = W[name].contiguous().float().numpy().astype("<f4").tobytes()
    header[name] = {"dtype": "F32", "shape": list(W[name].shape), "data_offsets": [offset, offset + len(b)]}
    blobs.append(b); offset += len(b)
hb = json.dumps(header, separators=(",", ":")).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb); [f.write(b) for b in blobs]

out = {k: ref[k] for k in ("sentences", "pairs", "max_length", "input_ids", "attention_mask", "token_type_ids",
                           "pair_input_ids", "pair_token_type_ids", "pair_attention_mask")}
out["config"] = cfg
with torch.no_grad():
    logits, hidden = forward(W, ref["input_ids"], ref["attention_mask"], ref["token_type_ids"])
    pair_logits, _ = forward(W, ref["pair_input_ids"], ref["pair_attention_mask"], ref["pair_token_type_ids"])
out["logits"], out["pair_logits"], out["last_hidden_state_cls"] = logits.tolist(), pair_logits.tolist(), hidden[:, 0].tolist()

params = {k: torch.nn.Parameter(v.clone()) for k, v in W.items()}
labels = [i % C for i in range(len(ref["input_ids"]))]
opt = torch.optim.AdamW(params.values(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
lg, _ = forward(params, ref["input_ids"], ref["attention_mask"], ref["token_type_ids"])
loss = torch.nn.functional.cross_entropy(lg, torch.tensor(labels))
loss.backward()
norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params.values())).item()
opt.step()
with torch.no_grad():
    after, _ = forward(params, ref["input_ids"], ref["attention_mask"], ref["token_type_ids"])
out["train_step"] = {"labels": labels, "optimizer": "AdamW lr=1e-3 betas=(0.9,0.999) eps=1e-8 weight_decay=0.01, one step, dropout 0",
                     "loss": loss.item(), "grad_global_norm": norm, "logits_after": after.tolist()}
json.dump(out, open(os.path.join(a.out, "reference.json"), "w"))
print(f"wrote {a.out}: hidden {H}, {a.heads} heads of {H // a.heads}, {L} layers, FFN {I}, {C} labels; logits std {logits.std().item():.3f}")
