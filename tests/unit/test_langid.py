"""Unit tests for pipeline.langid (function-word language identification)."""

from __future__ import annotations

import json
import time
from importlib import resources
from itertools import islice
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import langid
from pipeline.langid import SUPPORTED_LANGUAGES, UNDETERMINED, detect_language

# Short passages written for these tests: the same health statement in each language.
PASSAGES = {
    "en": "Kratom is a tropical tree native to Southeast Asia. Some people use its leaves to relieve pain, "
          "but there is little evidence that it works, and the FDA has warned that it can be addictive.",
    "es": "El kratom es un árbol tropical originario del sudeste asiático. Algunas personas usan sus hojas para "
          "aliviar el dolor, pero hay poca evidencia de que funcione y puede causar dependencia.",
    "pt": "O kratom é uma árvore tropical nativa do Sudeste Asiático. Algumas pessoas usam as suas folhas para "
          "aliviar a dor, mas não há muitas provas de que funcione, e pode causar dependência.",
    "it": "Il kratom è un albero tropicale originario del Sud-est asiatico. Alcune persone usano le sue foglie per "
          "alleviare il dolore, ma ci sono poche prove che funzioni e può causare dipendenza.",
    "fr": "Le kratom est un arbre tropical originaire d'Asie du Sud-Est. Certaines personnes utilisent ses feuilles "
          "pour soulager la douleur, mais il y a peu de preuves que cela fonctionne et il peut créer une dépendance.",
    "de": "Kratom ist ein tropischer Baum, der in Südostasien heimisch ist. Manche Menschen nutzen seine Blätter gegen "
          "Schmerzen, aber es gibt kaum Belege dafür, dass es wirkt, und es kann abhängig machen.",
    "nl": "Kratom is een tropische boom die oorspronkelijk uit Zuidoost-Azië komt. Sommige mensen gebruiken de bladeren "
          "tegen pijn, maar er is weinig bewijs dat het werkt en het kan verslavend zijn.",
    "sv": "Kratom är ett tropiskt träd som växer i Sydostasien. Vissa människor använder bladen mot smärta, men det "
          "finns lite som tyder på att det fungerar, och det kan vara beroendeframkallande.",
    "da": "Kratom er et tropisk træ, der vokser i Sydøstasien. Nogle mennesker bruger bladene mod smerter, men der er "
          "ikke meget, der tyder på, at det virker, og det kan blive vanedannende, hvis man tager det hver dag.",
    "no": "Kratom er et tropisk tre som vokser i Sørøst-Asia. Noen mennesker bruker bladene mot smerter, men det er "
          "ikke mye som tyder på at det virker, og det kan bli vanedannende hvis man tar det hver dag.",
    "pl": "Kratom to tropikalne drzewo pochodzące z Azji Południowo-Wschodniej. Niektórzy ludzie używają jego liści "
          "przeciw bólowi, ale nie ma wielu dowodów na to, że działa, a może też uzależniać.",
    "tr": "Kratom, Güneydoğu Asya'ya özgü tropikal bir ağaçtır. Bazı insanlar ağrıyı gidermek için yapraklarını "
          "kullanır, ancak işe yaradığına dair çok az kanıt var ve bağımlılık yapabilir.",
    "id": "Kratom adalah pohon tropis yang berasal dari Asia Tenggara. Beberapa orang menggunakan daunnya untuk "
          "meredakan nyeri, tetapi tidak ada banyak bukti bahwa tanaman ini efektif dan dapat menyebabkan ketergantungan.",
    "ru": "Кратом — тропическое дерево из Юго-Восточной Азии. Некоторые люди используют его листья от боли, "
          "но доказательств того, что это работает, очень мало, и он может вызывать зависимость.",
    "uk": "Кратом — тропічне дерево з Південно-Східної Азії. Деякі люди використовують його листя від болю, "
          "але доказів того, що це працює, дуже мало, і він може викликати залежність.",
}

SCRIPT_PASSAGES = {
    "zh": "克拉托姆是一种原产于东南亚的热带树木。有些人用它的叶子来缓解疼痛，但几乎没有证据表明它有效。",
    "ja": "クラトムは東南アジア原産の熱帯樹です。痛みを和らげるために葉を使う人もいますが、効果を示す証拠はほとんどありません。",
    "ko": "크라톰은 동남아시아가 원산지인 열대 나무입니다. 일부 사람들은 통증을 완화하기 위해 잎을 사용합니다.",
    "el": "Το κράτομ είναι ένα τροπικό δέντρο από τη Νοτιοανατολική Ασία. Κάποιοι χρησιμοποιούν τα φύλλα του για τον πόνο.",
}

MEDQUAD = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "medquad" / "medquad_docs.jsonl"


@pytest.mark.parametrize("lang", sorted(PASSAGES))
def test_each_language_is_recognised(lang):
    code, confidence = detect_language(PASSAGES[lang])
    assert code == lang
    assert 0.5 <= confidence <= 1.0


def test_every_profiled_language_has_a_passage():
    assert set(SUPPORTED_LANGUAGES) == set(PASSAGES)


@pytest.mark.parametrize("lang", sorted(SCRIPT_PASSAGES))
def test_single_language_scripts(lang):
    code, confidence = detect_language(SCRIPT_PASSAGES[lang])
    assert code == lang and confidence > 0.9


def test_shared_script_without_a_profile_is_undetermined():
    assert detect_language("كراتوم شجرة استوائية موطنها جنوب شرق آسيا. يستخدم بعض الناس أوراقها لتخفيف الألم.") == (UNDETERMINED, 0.0)


def test_english_with_a_few_foreign_words():
    text = ("The café on the corner served a crème brûlée, and the chef said \"bon appétit\" before we left. "
            "Joie de vivre, as the French say, may be good for your heart, but the evidence is thin.")
    assert detect_language(text)[0] == "en"


def test_english_with_spanish_quote():
    text = ("Many supplement labels in the United States are printed in two languages. One bottle we bought said "
            "\"tomar con agua\" next to the English instructions, which tell you to take two capsules with water.")
    assert detect_language(text)[0] == "en"


def test_english_medical_text_with_technical_terms():
    text = ("Adult acute lymphoblastic leukemia (ALL) is a type of cancer in which the bone marrow makes too many "
            "lymphocytes. Previous chemotherapy and exposure to radiation may increase the risk of developing ALL. "
            "Tests that examine the blood and bone marrow, such as immunophenotyping, cytogenetic analysis and "
            "reverse transcription-polymerase chain reaction (RT-PCR), are used to diagnose adult ALL.")
    code, confidence = detect_language(text)
    assert code == "en" and confidence > 0.5


@pytest.mark.parametrize(
    "text",
    ["", "   ", "Kratom dosage chart", "12345 67890 !!! ???", "Kratom (Mitragyna speciosa) powder capsules tincture extract",
     "https://example.com/a/b/c?d=e"],
)
def test_too_little_evidence_is_undetermined(text):
    assert detect_language(text) == (UNDETERMINED, 0.0)


def test_only_the_prefix_is_read():
    english = PASSAGES["en"] * 40  # > 5,000 characters
    assert detect_language(english + PASSAGES["de"] * 200)[0] == "en"


def test_case_and_unicode_normalisation_do_not_matter():
    upper = PASSAGES["fr"].upper()
    decomposed = "Le kratom est un arbre tropical, et il peut cre\u0301er une de\u0301pendance chez les personnes qui en prennent."
    assert detect_language(upper)[0] == "fr"
    assert detect_language(decomposed)[0] == "fr"


def test_deterministic():
    results = {lang: detect_language(text) for lang, text in PASSAGES.items()}
    assert results == {lang: detect_language(text) for lang, text in PASSAGES.items()}


def test_fast_on_long_texts():
    text = (PASSAGES["en"] + "\n") * 50_000  # ~10 MB
    n_bytes = len(text.encode())
    start = time.perf_counter()
    for _ in range(5):
        detect_language(text)
    elapsed = time.perf_counter() - start
    assert 5 * n_bytes / elapsed > 20e6  # > 20 MB/s


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=200).map(str.lower))
def test_ascii_tokens_are_the_runs_of_the_word_pattern(prefix):
    """The ASCII path splits bytes instead of running _ASCII_WORD_RE: the same tokens."""
    tokens = prefix.encode("ascii").translate(langid._ASCII_LETTERS_ONLY).split()
    assert [t.decode("ascii") for t in tokens] == langid._ASCII_WORD_RE.findall(prefix)


def test_word_lists_are_well_formed():
    data = json.loads((resources.files("pipeline") / "lexicons" / "stopwords_langid.json").read_text(encoding="utf-8"))
    assert data["source"]
    for code, entry in data["languages"].items():
        words = entry["words"]
        assert len(code) == 2 and entry["name"]
        assert 85 <= len(words) <= 130, (code, len(words))
        assert len(set(words)) == len(words)
        assert all(w == w.lower() and w.strip() == w and " " not in w for w in words)


@pytest.mark.skipif(not MEDQUAD.exists(), reason=f"shared corpus not available at {MEDQUAD}")
def test_real_english_health_articles():
    with MEDQUAD.open(encoding="utf-8") as fh:
        docs = [json.loads(line) for line in islice(fh, 0, 2000, 10)]  # 200 documents
    results = [detect_language(d["text"]) for d in docs]
    wrong = [(d["doc_id"], r) for d, r in zip(docs, results) if r[0] != "en"]
    assert not wrong
    assert min(conf for _, conf in results) > 0.5
