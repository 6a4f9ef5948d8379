"""Lexicon files: schema checked at load, provenance recorded, matchers immutable."""

from __future__ import annotations

import json

import pytest

from pipeline import lexicon as lx


def test_every_lexicon_loads_and_says_where_it_came_from():
    lex = lx.load_lexicon()
    for name in lx.LEXICON_FILES:
        assert lex.raw[name]["source"].strip()
    assert (lx.LEXICON_DIR / "SOURCES.md").exists()


def test_unknown_key_fails_loudly(tmp_path, monkeypatch):
    data = json.loads((lx.LEXICON_DIR / "cues.json").read_text())
    data["negaton"] = data.pop("negation")  # misspelled
    (tmp_path / "cues.json").write_text(json.dumps(data))
    monkeypatch.setattr(lx, "LEXICON_DIR", tmp_path)
    with pytest.raises(lx.LexiconError, match="negaton"):
        lx._load_json("cues.json")


def test_outcome_entries_are_checked(tmp_path, monkeypatch):
    data = json.loads((lx.LEXICON_DIR / "outcomes.json").read_text())
    data["outcomes"]["insomnia"]["invrese"] = ["sleep"]
    (tmp_path / "outcomes.json").write_text(json.dumps(data))
    monkeypatch.setattr(lx, "LEXICON_DIR", tmp_path)
    with pytest.raises(lx.LexiconError, match="insomnia"):
        lx._load_json("outcomes.json")


def test_loaded_lexicon_is_immutable():
    lex = lx.load_lexicon()
    with pytest.raises(TypeError):
        lex.outcome_info["insomnia"] = {}
    with pytest.raises(TypeError):
        lex.raw["effects.json"]["verbs"]["decrease"] += ("x",)  # tuple + item builds a new tuple ...
    assert "x" not in lex.raw["effects.json"]["verbs"]["decrease"]  # ... and the lexicon is unchanged


def test_inverse_outcomes_map_to_the_problem_pole():
    lex = lx.load_lexicon()
    words = [t.text for t in lx.tokenize("sleep quality")]
    assert lex.outcomes.match_at(words, 0) == (2, ("insomnia", -1))
    words = [t.text for t in lx.tokenize("insomnia")]
    assert lex.outcomes.match_at(words, 0) == (1, ("insomnia", 1))


def test_verb_inflections():
    irregular = {"lead": ["leads", "led", "leading"]}
    assert lx.inflections("alleviate", {}) == ["alleviate", "alleviates", "alleviated", "alleviating"]
    assert lx.inflections("worsen", {}) == ["worsen", "worsens", "worsened", "worsening"]
    assert lx.inflections("lead to", irregular) == ["lead to", "leads to", "led to", "leading to"]
    assert lx.inflections("ease", {})[3] == "easing"
    assert lx.inflections("intensify", {})[1] == "intensifies"


def test_every_cue_phrase_tokenizes_to_something():
    lex = lx.load_lexicon()
    for cls, verbs in lex.raw["effects.json"]["verbs"].items():
        for v in verbs:
            assert lx.phrase_tokens(v), (cls, v)
