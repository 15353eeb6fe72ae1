"""Benchmark the local model (``local:smollm2-135m``) as a pilot calls it.

Measures the server's start time (spawn to first healthy answer), then the golden set's
questions, rendered with the pilot prompt and BM25 context as a pilot renders them:

- ``direct``: a bare HTTP loop to the same server (no openai client, no provider), the baseline;
- ``c1``: through the provider (the openai client path), one call at a time;
- ``c2``: through the provider from two threads (the provider serves one call at a time, so
  latency here includes the wait: what a pilot with ``concurrency: 2`` sees).

Greedy decoding: the three passes must give identical texts (``identical=`` counts them).

    python benchmarks/bench_local.py templates/golden/workplace_health_faq.jsonl --limit 12

Last line: ``start_s=… tok_per_s=… p50_ms=… p95_ms=… c2_tok_per_s=… c2_p50_ms=… c2_p95_ms=…
direct_p50_ms=… overhead_ms=… identical=…``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from usecase_kit.evaluation.golden import load_golden, load_passages
from usecase_kit.prompts import PromptRegistry
from usecase_kit.providers import Message, Settings, get_provider
from usecase_kit.providers.offline import BM25, PASSAGE_SEPARATOR

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "templates" / "golden"


@dataclass(frozen=True)
class Call:
    latency_s: float
    input_tokens: int
    output_tokens: int
    text: str


@dataclass(frozen=True)
class Pass:
    name: str
    wall_s: float
    calls: list[Call]

    @property
    def tok_per_s(self) -> float:
        return sum(c.output_tokens for c in self.calls) / self.wall_s

    def quantile_ms(self, q: float) -> float:
        return float(np.percentile([c.latency_s for c in self.calls], q * 100)) * 1000


def conversations(questions: Path, corpus: Path | None, prompt_ref: str, limit: int) -> list[Any]:
    """Each question rendered with the pilot prompt and its top-3 BM25 passages."""
    prompt = PromptRegistry().get(prompt_ref)
    index = BM25([p.text for p in load_passages(corpus)]) if corpus else None
    out = []
    for case in load_golden(questions, limit=limit):
        context = case.context
        if not context and index is not None:
            context = PASSAGE_SEPARATOR.join(
                index.passages[i] for i, _ in index.top(case.question, 3)
            )
        values = {"question": case.question, **({"context": context} if context else {})}
        out.append(tuple(prompt.render(values)))
    return out


def run_pass(name: str, call: Callable[[Any], Call], items: Sequence[Any], workers: int) -> Pass:
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        calls = list(pool.map(call, items))
    return Pass(name, time.perf_counter() - began, calls)


def via_provider(provider: Any, settings: Settings) -> Callable[[Any], Call]:
    def call(messages: Sequence[Message]) -> Call:
        began = time.perf_counter()  # caller's view: includes waiting for the server
        completion = provider.complete(messages, settings)
        elapsed = time.perf_counter() - began
        usage = completion.usage
        return Call(elapsed, usage.input_tokens, usage.output_tokens, completion.text)

    return call


def direct(provider: Any, settings: Settings) -> Callable[[Any], Call]:
    """The same request by hand with urllib: no openai client, no provider."""
    url = f"{provider.endpoint}/chat/completions"
    key = provider._server.api_key

    def call(messages: Sequence[Message]) -> Call:
        body = {
            "model": provider.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "seed": provider.seed,
        }
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        began = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            data = json.loads(response.read())
        elapsed = time.perf_counter() - began
        text = data["choices"][0]["message"]["content"] or ""
        usage = data["usage"]
        return Call(elapsed, int(usage["prompt_tokens"]), int(usage["completion_tokens"]), text)

    return call


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "questions", nargs="?", type=Path, default=GOLDEN / "workplace_health_faq.jsonl"
    )
    parser.add_argument("--corpus", type=Path, default=GOLDEN / "workplace_health_kb.jsonl")
    parser.add_argument("--no-corpus", action="store_true", help="questions without context")
    parser.add_argument("--prompt", default="faq_answer@production")
    parser.add_argument("--model", default="local:smollm2-135m")
    parser.add_argument("--limit", type=int, default=12, help="questions per pass")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--n-threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument(
        "--prefix-cache",
        action="store_true",
        help="reuse the KV cache across prompts (faster, order-dependent answers)",
    )
    parser.add_argument("--log-dir", type=Path, default=None, help="keep the server log here")
    args = parser.parse_args(argv)

    items = conversations(
        args.questions, None if args.no_corpus else args.corpus, args.prompt, args.limit
    )
    settings = Settings(temperature=0.0, max_tokens=args.max_tokens, timeout_s=300)
    with tempfile.TemporaryDirectory() as temp:
        provider: Any = get_provider(
            args.model,
            log_dir=args.log_dir or temp,
            n_threads=args.n_threads,
            prefix_cache=args.prefix_cache,
        )
        with provider:
            start_s = provider.start_s
            provider.complete(items[0], settings)  # warm-up, not measured
            passes = [
                run_pass("direct", direct(provider, settings), items, 1),
                run_pass("c1", via_provider(provider, settings), items, 1),
                run_pass("c2", via_provider(provider, settings), items, 2),
            ]
    report(args, provider, start_s, passes)


def report(args: argparse.Namespace, provider: Any, start_s: float, passes: list[Pass]) -> None:
    by = {p.name: p for p in passes}
    texts = [[c.text for c in p.calls] for p in passes]
    identical = sum(len(set(group)) == 1 for group in zip(*texts, strict=True))
    info = provider.provenance
    print(
        f"model {info['model_file']} sha256 {info['model_sha256'][:16]}… "
        f"threads {info['n_threads']}, prefix cache {info['prefix_cache']}; "
        f"{len(texts[0])} questions from {args.questions.name}, "
        f"max_tokens {args.max_tokens}"
    )
    print(
        f"{'pass':>7} {'wall_s':>7} {'tok/s':>6} {'p50_ms':>7} {'p95_ms':>7} {'in_tok':>7} "
        f"{'out_tok':>7}"
    )
    for p in passes:
        tokens_in = sum(c.input_tokens for c in p.calls)
        out = sum(c.output_tokens for c in p.calls)
        print(
            f"{p.name:>7} {p.wall_s:7.1f} {p.tok_per_s:6.1f} {p.quantile_ms(0.5):7.0f} "
            f"{p.quantile_ms(0.95):7.0f} {tokens_in:7d} {out:7d}"
        )
    c1, c2, base = by["c1"], by["c2"], by["direct"]
    print(
        f"start_s={start_s:.2f} tok_per_s={c1.tok_per_s:.1f} p50_ms={c1.quantile_ms(0.5):.0f} "
        f"p95_ms={c1.quantile_ms(0.95):.0f} c2_tok_per_s={c2.tok_per_s:.1f} "
        f"c2_p50_ms={c2.quantile_ms(0.5):.0f} c2_p95_ms={c2.quantile_ms(0.95):.0f} "
        f"direct_p50_ms={base.quantile_ms(0.5):.0f} "
        f"overhead_ms={c1.quantile_ms(0.5) - base.quantile_ms(0.5):.0f} "
        f"identical={identical}/{len(texts[0])}"
    )


if __name__ == "__main__":
    main()
