#!/usr/bin/python3
"""Optuna side of `mlnet-llm bench tuners` (docs/benchmarks.md "Tuners").

Runs Optuna's samplers (random, TPE, CMA-ES; defaults, seeded) on the benchmark functions of
MLNetLlm.AutoML.Benchmarks.BenchmarkFunction and writes JSON: for every function and sampler, per seed, the best
value found after each checkpoint, plus the function's values at a few fixed points so the caller can check that
both sides define the same function. Benchmark only: needs Debian's python3-optuna (3.1), never a test dependency.

usage: optuna_bench.py --functions branin,beale --samplers random,tpe,cmaes --seeds 30 --first-seed 0
                       --budget 50 --checkpoints 20,50 --out result.json
       optuna_bench.py ... --seed-list 3,7,12 ...   (these seeds instead of --seeds/--first-seed)
       optuna_bench.py --optuna-version             (prints Optuna's version and exits)
"""
import argparse
import json
import math
import sys
import time


def branin(x):
    a, b, c, r, s, t = 1, 5.1 / (4 * math.pi ** 2), 5 / math.pi, 6, 10, 1 / (8 * math.pi)
    u = x[1] - b * x[0] ** 2 + c * x[0] - r
    return a * u * u + s * (1 - t) * math.cos(x[0]) + s


H_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[0.3689, 0.1170, 0.2673], [0.4699, 0.4387, 0.7470], [0.1091, 0.8732, 0.5547], [0.0381, 0.5743, 0.8828]]


def hartmann(a, p):
    def f(x):
        return -sum(H_ALPHA[i] * math.exp(-sum(a[i][j] * (x[j] - p[i][j]) ** 2 for j in range(len(x)))) for i in range(4))
    return f


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(math.pi * w[0]) ** 2
    for i in range(len(x) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return s + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def camel(x):
    a, b = x
    return (4 - 2.1 * a * a + a ** 4 / 3) * a * a + a * b + (-4 + 4 * b * b) * b * b


def goldstein_price(x):
    a, b = x
    p, q = a + b + 1, 2 * a - 3 * b
    return ((1 + p * p * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b))
            * (30 + q * q * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b + 27 * b * b)))


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    n = len(x)
    return (-20 * math.exp(-0.2 * math.sqrt(sum(v * v for v in x) / n))
            - math.exp(sum(math.cos(2 * math.pi * v) for v in x) / n) + 20 + math.e)


def beale(x):
    a, b = x
    return (1.5 - a + a * b) ** 2 + (2.25 - a + a * b * b) ** 2 + (2.625 - a + a * b ** 3) ** 2


def colville(x):
    return (100 * (x[0] ** 2 - x[1]) ** 2 + (x[0] - 1) ** 2 + (x[2] - 1) ** 2 + 90 * (x[2] ** 2 - x[3]) ** 2
            + 10.1 * ((x[1] - 1) ** 2 + (x[3] - 1) ** 2) + 19.8 * (x[1] - 1) * (x[3] - 1))


SHEKEL_BETA = [0.1, 0.2, 0.2, 0.4, 0.4, 0.6, 0.3, 0.7, 0.5, 0.5]
SHEKEL_C = [[4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
            [4, 1, 8, 6, 3, 2, 5, 8, 6, 7], [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6]]


def shekel(x):
    return -sum(1 / (SHEKEL_BETA[i] + sum((x[j] - SHEKEL_C[j][i]) ** 2 for j in range(4))) for i in range(10))


def styblinski_tang(x):
    return sum(v ** 4 - 16 * v * v + 5 * v for v in x) / 2


def schwefel(x):
    return 418.9828872724338 * len(x) - sum(v * math.sin(math.sqrt(abs(v))) for v in x)


def rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


# name -> (function, lower bounds, upper bounds); the same boxes as BenchmarkFunction.cs
FUNCTIONS = {
    "branin": (branin, [-5, 0], [10, 15]),
    "camel6": (camel, [-3, -2], [3, 2]),
    "goldsteinprice": (goldstein_price, [-2, -2], [2, 2]),
    "rosenbrock4": (rosenbrock, [-5] * 4, [10] * 4),
    "ackley5": (ackley, [-15] * 5, [30] * 5),
    "hartmann6": (hartmann(H6_A, H6_P), [0] * 6, [1] * 6),
    "levy10": (levy, [-10] * 10, [10] * 10),
    "beale": (beale, [-4.5] * 2, [4.5] * 2),
    "hartmann3": (hartmann(H3_A, H3_P), [0] * 3, [1] * 3),
    "colville": (colville, [-10] * 4, [10] * 4),
    "shekel10": (shekel, [0] * 4, [10] * 4),
    "styblinskitang5": (styblinski_tang, [-5] * 5, [5] * 5),
    "schwefel4": (schwefel, [-500] * 4, [500] * 4),
    "rastrigin4": (rastrigin, [-3.12] * 4, [7.12] * 4),
}

# fractions of the box where both sides evaluate each function, to check they agree
CHECK_FRACTIONS = [0.0, 1.0, 0.13, 0.37, 0.5, 0.71, 0.93]


def check_points(lower, upper):
    points = []
    for k, f in enumerate(CHECK_FRACTIONS):
        # vary the fraction per coordinate so the points are not on the diagonal
        points.append([lo + ((f + 0.29 * j * (k > 1)) % 1.0001 if k > 1 else f) * (hi - lo)
                       for j, (lo, hi) in enumerate(zip(lower, upper))])
    return points


def make_sampler(optuna, name, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    raise SystemExit(f"optuna_bench.py: unknown sampler '{name}' (known: random, tpe, cmaes)")


def run(optuna, f, lower, upper, sampler, budget, checkpoints):
    study = optuna.create_study(direction="minimize", sampler=sampler)
    best, out = math.inf, []
    for i in range(1, budget + 1):
        trial = study.ask()
        x = [trial.suggest_float(f"x{j:02d}", lo, hi) for j, (lo, hi) in enumerate(zip(lower, upper))]
        y = f(x)
        study.tell(trial, y)
        best = min(best, y)
        if i in checkpoints:
            out.append(best)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--optuna-version", action="store_true")
    ap.add_argument("--functions")
    ap.add_argument("--samplers", default="random,tpe,cmaes")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--seed-list")
    ap.add_argument("--budget", type=int, default=50)
    ap.add_argument("--checkpoints", default="20,50")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.optuna_version:
        # the installed distribution's version, without importing Optuna (seconds): all a cached run needs
        from importlib.metadata import version
        print(version("optuna"))
        return
    import optuna
    if not a.functions or not a.out:
        raise SystemExit("optuna_bench.py: --functions and --out are required")
    seeds = ([int(v) for v in a.seed_list.split(",")] if a.seed_list
             else list(range(a.first_seed, a.first_seed + a.seeds)))
    import warnings
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore")
    checkpoints = sorted(int(c) for c in a.checkpoints.split(","))
    if checkpoints[-1] > a.budget:
        raise SystemExit("optuna_bench.py: a checkpoint exceeds --budget")
    result = {"optuna": optuna.__version__, "python": sys.version.split()[0], "checkpoints": checkpoints,
              "seeds": seeds, "functions": {}}
    for name in a.functions.split(","):
        if name not in FUNCTIONS:
            raise SystemExit(f"optuna_bench.py: unknown function '{name}' (known: {', '.join(FUNCTIONS)})")
        f, lower, upper = FUNCTIONS[name]
        pts = check_points(lower, upper)
        entry = {"check": [[p, f(p)] for p in pts], "samplers": {}, "seconds": {}}
        for s in a.samplers.split(","):
            t0 = time.process_time()
            entry["samplers"][s] = [run(optuna, f, lower, upper, make_sampler(optuna, s, seed), a.budget, set(checkpoints))
                                    for seed in seeds]
            entry["seconds"][s] = time.process_time() - t0
            print(f"optuna {name} {s}: {entry['seconds'][s]:.1f} CPU s", file=sys.stderr, flush=True)
        result["functions"][name] = entry
    with open(a.out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main()
