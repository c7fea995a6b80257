#!/usr/bin/python3
"""PyTorch anchor for `mlnet-llm bench embedding train-step`: a BERT of all-MiniLM-L6-v2's geometry (6 layers x 384,
12 heads, FFN 1536, vocab 30522, 512 positions, post-LN, exact GELU, dropout 0.1) trained with AdamW on random token ids,
batch x length (default 16 x 128), 2 classes. Prints rows/s over the timed steps and peak RSS (VmHWM) after building the
model and over the steps. Benchmark only (Debian python3-torch + libopenblas0-pthread, /usr/bin/python3); never a test.

  /usr/bin/python3 bench/python/minilm_train_step.py --threads 2 --steps 5
"""
import argparse, time, torch, torch.nn as nn, torch.nn.functional as F


def rss_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak():
    # Linux: writing 5 to clear_refs resets VmHWM to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


class Bert(nn.Module):
    def __init__(self, vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, positions=512, labels=2, p=0.1):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden, padding_idx=0)
        self.pos = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.ln = nn.LayerNorm(hidden, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList([nn.TransformerEncoderLayer(hidden, heads, ffn, p, activation="gelu", batch_first=True,
                                                                norm_first=False, layer_norm_eps=1e-12) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, labels)

    def forward(self, ids, mask):
        t = ids.shape[1]
        x = self.word(ids) + self.pos(torch.arange(t).unsqueeze(0)) + self.token_type(torch.zeros_like(ids))
        x = self.drop(self.ln(x))
        pad = mask == 0
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=pad)
        return self.classifier(self.drop(torch.tanh(self.pooler(x[:, 0]))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--length", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    base = rss_mb("VmRSS")
    model = Bert()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)
    built = rss_mb("VmRSS")
    ids = torch.randint(1000, 30522, (a.batch, a.length))
    mask = torch.ones(a.batch, a.length, dtype=torch.long)
    y = torch.randint(0, 2, (a.batch,))
    model.train()

    def step():
        loss = F.cross_entropy(model(ids, mask), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    reset_peak()
    step()  # warm-up: allocates gradients and AdamW state
    first_peak = rss_mb("VmHWM")
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    secs = time.perf_counter() - t0
    print(f"pytorch {torch.__version__}: {params / 1e6:.2f} M parameters, batch {a.batch} x {a.length}, {a.threads} thread(s)")
    print(f"pytorch rows/s {a.batch * a.steps / secs:.2f} ({secs / a.steps:.3f} s/step over {a.steps} steps)")
    print(f"pytorch rss MB: process start {base:.0f}, after model+optimizer {built:.0f}, peak during first step {first_peak:.0f}, "
          f"peak overall {rss_mb('VmHWM'):.0f}")


if __name__ == "__main__":
    main()
