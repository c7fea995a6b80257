#!/usr/bin/python3
"""Deterministic CSV conversions of two offline Debian text corpora for `mlnet-llm bench payoff`.

  fortunes  Debian `fortunes` (/usr/share/games/fortunes): one row per fortune, Label = the file (43 categories).
  wordnet   Debian `wordnet-base` (/usr/share/wordnet/data.*): one row per synset, Text = its gloss (definition and
            examples), Label = its lexicographer file (45 categories: noun.artifact, verb.motion, adj.all, ...).

Columns Label,Text. Split per label: rows ordered by the SHA-1 of their text, every fifth one (rounded, at least one
when a label has two or more rows) to test.csv, the rest to train.csv - the same files on every machine.
Usage: python3 scripts/text_datasets.py fortunes|wordnet OUT_DIR [--max-per-label N]
"""
import csv, glob, hashlib, os, re, sys

def fortunes(root="/usr/share/games/fortunes"):
    rows = []
    for path in sorted(glob.glob(os.path.join(root, "*"))):
        name = os.path.basename(path)
        if "." in name or os.path.isdir(path):
            continue
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        text = re.sub(r".\x08", "", text)  # overstrike (bold/underline) sequences
        for item in text.split("\n%\n"):
            item = item.strip("\n%").strip()
            if item:
                rows.append((name, item))
    return rows

# lexicographer file numbers -> names (WordNet 3.0 lexnames)
LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body noun.cognition
noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive noun.object noun.person
noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation noun.shape noun.state noun.substance
noun.time verb.body verb.change verb.cognition verb.communication verb.competition verb.consumption verb.contact
verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl""".split()

def wordnet(root="/usr/share/wordnet"):
    rows = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(root, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  "):
                    continue  # licence header
                head, _, gloss = line.partition(" | ")
                lex = int(head.split()[1])
                gloss = gloss.strip()
                if gloss:
                    rows.append((LEXNAMES[lex], gloss))
    return rows

def split(rows, max_per_label=None):
    by_label = {}
    for label, text in rows:
        by_label.setdefault(label, []).append(text)
    train, test = [], []
    for label in sorted(by_label):
        texts = sorted(set(by_label[label]), key=lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest())
        if max_per_label:
            texts = texts[:max_per_label]
        n_test = max(1, round(len(texts) * 0.2)) if len(texts) >= 2 else 0
        step = len(texts) / n_test if n_test else 0
        test_idx = {int(i * step) for i in range(n_test)}
        for i, t in enumerate(texts):
            (test if i in test_idx else train).append((label, t))
    key = lambda r: hashlib.sha1((r[0] + "\0" + r[1]).encode("utf-8")).hexdigest()
    return sorted(train, key=key), sorted(test, key=key)

def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("fortunes", "wordnet"):
        sys.exit(__doc__)
    kind, out = sys.argv[1], sys.argv[2]
    cap = int(sys.argv[sys.argv.index("--max-per-label") + 1]) if "--max-per-label" in sys.argv else None
    rows = fortunes() if kind == "fortunes" else wordnet()
    train, test = split(rows, cap)
    os.makedirs(out, exist_ok=True)
    for name, part in (("train.csv", train), ("test.csv", test)):
        with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["Label", "Text"])
            w.writerows(part)
    labels = sorted({l for l, _ in train})
    print(f"{kind}: {len(train)} train, {len(test)} test rows, {len(labels)} labels -> {out}")

if __name__ == "__main__":
    main()
