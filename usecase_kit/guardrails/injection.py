"""Prompt-injection heuristics: override phrases, hidden or look-alike characters, encoded text.

No model: rules a reviewer can read, fast enough for every call (LLM Guard's classifier flags
most long prompts, issue #107; NeMo's rails cost extra LLM calls). What is checked:

- instruction-override phrases ("ignore all previous instructions", "you are now DAN",
  "reveal your system prompt" ...), matched after folding look-alike letters and removing
  invisible characters, so ``іgnore`` with a Cyrillic ``і`` still matches;
- invisible characters (zero-width, Unicode tag characters that smuggle ASCII, bidi controls);
- words that mix Latin with Cyrillic or Greek letters (homoglyph spoofing);
- base64 or hex runs that decode to readable text, scanned again for override phrases.

It is a tripwire, not a proof: paraphrased attacks pass. docs/guardrails.md has the
false-positive rate on benign questions.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from usecase_kit.guardrails._text import INVISIBLE, fold, fold_with_map
from usecase_kit.guardrails.base import Finding

__all__ = ["InjectionScanner"]

_OVERRIDE = [
    r"\b(?:ignore|disregard|forget|skip|override|bypass)\b(?:\s+\w+){0,3}?\s+(?:previous|prior|above|earlier|preceding|all|any|your|the|system|original)\s+(?:\w+\s+){0,2}?(?:instructions?|prompts?|rules|directions|guidelines|context|messages?)",
    r"\byou\s+are\s+(?:now\s+)?(?:dan|in\s+developer\s+mode|no\s+longer\s+bound|free\s+from|jailbroken|unrestricted)",
    r"\bdo\s+anything\s+now\b",
    r"\b(?:developer|god|jailbreak|dan)\s+mode\b",
    r"\b(?:reveal|show|print|repeat|output|leak|tell\s+me)\s+(?:me\s+)?(?:your|the)\s+(?:\w+\s+)?(?:system\s+prompt|instructions|initial\s+prompt|hidden\s+prompt)",
    r"\bnew\s+instructions?\s*:",
    r"\bpretend\s+(?:that\s+)?(?:you\s+are|to\s+be)\s+(?:an?\s+)?(?:ai|assistant|model|chatbot)?\s*(?:without|with\s+no)\s+(?:restrictions|rules|filters|limits)",
    r"\bact\s+as\s+(?:if\s+you\s+(?:are|were)\s+)?(?:an?\s+)?(?:unfiltered|uncensored|unrestricted)",
    r"(?:^|\n)\s*(?:system|assistant)\s*:\s",
    r"<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?INST\]|<<SYS>>",
]
_OVERRIDE_RE = re.compile("|".join(f"(?:{p})" for p in _OVERRIDE), re.IGNORECASE)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]+")
_WORD = re.compile(r"\w+")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){16,}\b")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script
    return ""


class InjectionScanner:
    """Heuristic prompt-injection tripwire over prompts (and answers that echo them)."""

    name = "injection"
    stages = frozenset({"before_call", "after_call", "preflight"})
    can_redact = True
    roles = frozenset({"user"})

    def scan(self, text: str) -> list[Finding]:
        findings = self._hidden(text) + self._mixed_scripts(text) + self._encoded(text)
        folded, origin = fold_with_map(text)
        for m in _OVERRIDE_RE.finditer(folded):
            span = (origin[m.start()], origin[m.end() - 1] + 1)
            findings.append(
                self._finding("OVERRIDE_PHRASE", span, "instruction-override phrase", 0.9)
            )
        return findings

    def _finding(self, kind: str, span: tuple[int, int], reason: str, score: float) -> Finding:
        return Finding(self.name, kind, span, reason, score)

    def _hidden(self, text: str) -> list[Finding]:
        found = []
        for m in INVISIBLE.finditer(text):
            tags = "".join(chr(ord(c) - 0xE0000) for c in m.group(0) if ord(c) >= 0xE0000)
            hidden = tags and _OVERRIDE_RE.search(tags)
            reason = "invisible characters" + (" hiding an override phrase" if hidden else "")
            found.append(self._finding("INVISIBLE_TEXT", m.span(), reason, 0.95 if hidden else 0.6))
        for m in _BIDI.finditer(text):
            found.append(
                self._finding("BIDI_CONTROL", m.span(), "bidirectional control characters", 0.6)
            )
        return found

    def _mixed_scripts(self, text: str) -> list[Finding]:
        found = []
        for m in _WORD.finditer(unicodedata.normalize("NFC", text)):
            scripts = {_script(c) for c in m.group(0) if c.isalpha()} - {""}
            if "LATIN" in scripts and len(scripts) > 1:
                found.append(
                    self._finding(
                        "CONFUSABLE", m.span(), "word mixes Latin with look-alike letters", 0.7
                    )
                )
        return found

    def _encoded(self, text: str) -> list[Finding]:
        found = []
        for m, decoded in [
            *(_decode_b64(m) for m in _BASE64.finditer(text)),
            *(_decode_hex(m) for m in _HEX.finditer(text)),
        ]:
            if decoded is None:
                continue
            hidden = _OVERRIDE_RE.search(fold(decoded)) is not None
            reason = "encoded text" + (
                " hiding an override phrase" if hidden else " that decodes to readable text"
            )
            found.append(
                self._finding("ENCODED_PAYLOAD", m.span(), reason, 0.95 if hidden else 0.5)
            )
        return found


def _readable(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c.isspace() for c in decoded)
    letters = sum(c.isalpha() for c in decoded)
    return (
        decoded
        if decoded and printable / len(decoded) > 0.95 and letters / len(decoded) > 0.5
        else None
    )


def _decode_b64(m: re.Match[str]) -> tuple[re.Match[str], str | None]:
    chunk = m.group(0)
    try:
        raw = base64.b64decode(chunk + "=" * (-len(chunk) % 4), validate=True)
    except (binascii.Error, ValueError):
        return m, None
    return m, _readable(raw)


def _decode_hex(m: re.Match[str]) -> tuple[re.Match[str], str | None]:
    return m, _readable(bytes.fromhex(m.group(0)))
