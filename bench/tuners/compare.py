#!/usr/bin/python3
"""Combines a split run of `mlnet-llm bench tuners` into the command's own report.

When the machine is too busy to run our tuners and Optuna's in one process, run our tuners with
`bench tuners --tuners random,grid,gp,smac,cfo --per-seed ...` (one output per half if you like) and Optuna's with
`optuna_bench.py ... --out X.json`; this script reads the per-seed rows of the former and the JSON of the latter and
prints the same tables as the command (median regret with IQR, ratio to TPE, two-sided Mann-Whitney U with tie and
continuity corrections, geometric mean per half). Function minima come from the "minimum" table below, which must
equal BenchmarkFunction's.

usage: compare.py --ours ours-screening.md ours-heldout.md --optuna optuna-screening.json optuna-heldout.json
"""
import argparse
import json
import math
import re
import statistics

MINIMA = {
    "branin": 0.39788735772973816, "camel6": -1.0316284534898774, "goldsteinprice": 3.0, "rosenbrock4": 0.0,
    "ackley5": 0.0, "hartmann6": -3.32236801141551, "levy10": 0.0, "beale": 0.0, "hartmann3": -3.862779787332663,
    "colville": 0.0, "shekel10": -10.536443153483534, "styblinskitang5": -39.166165703771426 * 5,
    "schwefel4": 4 * (418.9828872724338 - 420.9687464057923 * math.sin(math.sqrt(420.9687464057923))), "rastrigin4": 0.0,
}
NAMES = {
    "branin": "Branin", "camel6": "Six-hump camel", "goldsteinprice": "Goldstein-Price", "rosenbrock4": "Rosenbrock-4",
    "ackley5": "Ackley-5", "hartmann6": "Hartmann-6", "levy10": "Levy-10", "beale": "Beale", "hartmann3": "Hartmann-3",
    "colville": "Colville", "shekel10": "Shekel-10", "styblinskitang5": "Styblinski-Tang-5", "schwefel4": "Schwefel-4",
    "rastrigin4": "Rastrigin-4",
}
SCREENING = ["branin", "camel6", "goldsteinprice", "rosenbrock4", "ackley5", "hartmann6", "levy10"]
HELD_OUT = ["beale", "hartmann3", "colville", "shekel10", "styblinskitang5", "schwefel4", "rastrigin4"]
OURS = ["Random", "Grid", "GP-EI", "SMAC", "CFO"]
OPTUNA = {"random": "Optuna random", "tpe": "TPE", "cmaes": "CMA-ES"}


def fmt(v):
    return f"{v:.2e}" if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5) else f"{v:.4f}"


def quantile(s, p):
    h = (len(s) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])


def cell(v):
    s = sorted(v)
    return f"{fmt(statistics.median(s))} ({fmt(quantile(s, 0.25))}–{fmt(quantile(s, 0.75))})"


def mann_whitney_p(a, b):
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    n = len(pooled)
    ranks, ties, i = [0.0] * n, 0.0, 0
    while i < n:
        j = i
        while j + 1 < n and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    u = sum(r for r, (_, g) in zip(ranks, pooled) if g == 0) - n1 * (n1 + 1) / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return 1.0 if z <= 0 else min(1.0, math.erfc(z / math.sqrt(2)))


def ratio(r):
    return (f"{r:.0f}" if r >= 100 else f"{r:.2f}" if r >= 0.01 else f"{r:.1e}") + "×"


def pval(p):
    return "<1e-4" if p < 1e-4 else f"{p:.4f}" if p < 0.01 else f"{p:.2f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", nargs="+", required=True)
    ap.add_argument("--optuna", nargs="+", required=True)
    a = ap.parse_args()
    key_of = {v: k for k, v in NAMES.items()}
    regrets = {}  # (key, tuner) -> {budget: [per seed]}
    row = re.compile(r"^\| (.+?) \| (.+?) \| (\d+) \| ([-0-9.e+ ]+) \|$")
    for path in a.ours:
        for line in open(path):
            m = row.match(line.strip())
            if m and m.group(1) in key_of and m.group(2) in OURS:
                regrets.setdefault((key_of[m.group(1)], m.group(2)), {})[int(m.group(3))] = [float(v) for v in m.group(4).split()]
    budgets = None
    for path in a.optuna:
        d = json.load(open(path))
        budgets = d["checkpoints"]
        for key, entry in d["functions"].items():
            for s, runs in entry["samplers"].items():
                for i, b in enumerate(budgets):
                    regrets.setdefault((key, OPTUNA[s]), {})[b] = [r[i] - MINIMA[key] for r in runs]
    for half, keys in (("Screening", SCREENING), ("Held-out", HELD_OUT)):
        keys = [k for k in keys if (k, "TPE") in regrets]
        if not keys:
            continue
        tuners = [t for t in OURS + list(OPTUNA.values()) if any((k, t) in regrets for k in keys)]
        seeds = len(regrets[(keys[0], "TPE")][budgets[0]])
        print(f"**{half} half** — median simple regret (interquartile range) over {seeds} seeds:\n")
        print("| Function | Evals | " + " | ".join(tuners) + " |")
        print("|---|---:|" + "---:|" * len(tuners))
        for k in keys:
            for b in budgets:
                print(f"| {NAMES[k]} | {b} | " + " | ".join(cell(regrets[(k, t)][b]) if (k, t) in regrets else "not run" for t in tuners) + " |")
        print()
        others = [t for t in tuners if t != "TPE"]
        print("Against TPE: ratio of median regrets (< 1: ahead of TPE) and the two-sided Mann–Whitney U p-value; "
              "**bold**: significantly worse than TPE (p < 0.05):\n")
        print("| Function | Evals | " + " | ".join(f"{t}/TPE (p)" for t in others) + " |")
        print("|---|---:|" + "---:|" * len(others))
        logs = {(t, b): [] for t in others for b in budgets}
        worse = {(t, b): 0 for t in others for b in budgets}
        for k in keys:
            for b in budgets:
                tpe = regrets[(k, "TPE")][b]
                tm = max(statistics.median(tpe), 1e-12)
                cells = []
                for t in others:
                    if (k, t) not in regrets:
                        cells.append("not run")
                        continue
                    v = regrets[(k, t)][b]
                    r = max(statistics.median(v), 1e-12) / tm
                    p = mann_whitney_p(v, tpe)
                    logs[(t, b)].append(math.log(r))
                    bad = p < 0.05 and r > 1
                    worse[(t, b)] += bad
                    text = f"{ratio(r)} ({pval(p)})"
                    cells.append(f"**{text}**" if bad else text)
                print(f"| {NAMES[k]} | {b} | " + " | ".join(cells) + " |")
        for b in budgets:
            print(f"| **geometric mean** | {b} | " + " | ".join(
                f"**{ratio(math.exp(sum(logs[(t, b)]) / len(logs[(t, b)])))}** ({worse[(t, b)]} worse"
                + (f"; {len(logs[(t, b)])} of {len(keys)} functions)" if len(logs[(t, b)]) < len(keys) else ")") for t in others) + " |")
        print()


if __name__ == "__main__":
    main()
