"""The language check's speed-ups give the same answers as the plain way: property tests on the
evaluation set and random mutations of it (gaps, case, quotes, Unicode, hashtags, addresses)."""

import random
import re
import unicodedata
from pathlib import Path

import pytest

from recovery_voice.language import LanguageSettings, check
from recovery_voice.language import checker, suggest
from recovery_voice.language.evaluate import load_cases
from recovery_voice.language.index import GAP, key_of, prefixes
from recovery_voice.language.model import Finding, Report, new_finding, new_report
from recovery_voice.language.reverse import reversed_pattern
from recovery_voice.language.rules import DEFAULT_WINDOW
from recovery_voice.language import text as text_module
from recovery_voice.language.text import _HASHTAG, _MASK, _masked, prepare

EVAL = Path(__file__).parent / "language_eval.jsonl"
SENTENCES = [case.text for case in load_cases(EVAL)]
NOISE = ["'", '"', "\u2019", "\u2018", "\u201c", "\u201d", "#", ".", "\n", " ", "  ", "-", "_", "\t", "İ", "\u00ad",
         "\u200b", "ﬁ", "ｊ", "𝐣", "\u2011", "@", "@x ", "https://a.b/c ", "www.", "A", "!", ":", ",", "the word ",
         "'junkie' ", "#CleanAndSober ", "#AddictsAreHuman ", "Anonymous ", "a ", "an ", "I'm ", "my ", "Addicts "]
EXTRA = ({"id": "our-term", "pattern": ["user", "party drug", "a bit"], "severity": "warning", "message": "m",
          "suggestions": ["x", "a thing"]},)
SETTINGS = [LanguageSettings(), LanguageSettings(region="us"),
            LanguageSettings(disabled=frozenset({"rehab"}), extra_terms=EXTRA)]


def mutations(count: int, seed: int) -> list[str]:
    """Return evaluation sentences joined and mutated at random, reproducibly."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        text = " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))
        for _ in range(rng.randint(0, 6)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(NOISE) + text[at:]
        roll = rng.random()
        if roll < 0.1:
            text = text.upper()
        elif roll < 0.2:
            text = text.replace(" ", rng.choice(["", "-", "_", "  ", "\n"]))
        elif roll < 0.3:
            text = "#" + "".join(word.title() for word in text.split()[:6])
        texts.append(text)
    return texts


TEXTS = SENTENCES + mutations(300, seed=3)


_EVERYWHERE: dict = {}


def _brute_force_match(prepared, table, index):
    """Find matches by trying every trigger at every word start: no prefixes, no probes, no needed words."""
    found = []
    for number, (_, _, trigger, _) in enumerate(table):
        target = prepared.norm if trigger.case_sensitive else prepared.low
        # A lookahead finds the match starting at each place, overlapping ones too, as pattern.match would.
        anywhere = _EVERYWHERE.get(trigger.pattern)
        if anywhere is None:
            anywhere = _EVERYWHERE[trigger.pattern] = re.compile(f"(?=({trigger.pattern.pattern}))")
        for match in anywhere.finditer(target):
            start = match.start()
            if not start or not (target[start - 1].isalnum() or target[start - 1] == "_"):
                own = trigger.pattern.match(target, start)
                checker._consider(prepared, table, number, start, own.end(), own, None, found)
    found.sort(key=lambda c: (c.start, c.number))  # the order the finder produces
    return found


def _answers(texts, shortcuts):
    """Return every report (as dicts, with which findings are rewritten) for each text, setting and voice."""
    out = []
    for text in texts:
        for settings in SETTINGS:
            for voice in ("organisation", "storyteller"):
                report = check(text, voice=voice, settings=settings, shortcuts=shortcuts)
                out.append((text, voice, report.to_dict(), [f.rewrite for f in report.findings]))
    return out


def test_the_fast_way_gives_the_same_reports_as_the_plain_way():
    fast = _answers(TEXTS, shortcuts=True)
    plain = _answers(TEXTS, shortcuts=False)  # every trigger everywhere, contexts searched forwards... (plain.py)
    assert sum(bool(answer[2]["findings"]) for answer in fast) > len(fast) // 3  # plenty to compare
    for got, want in zip(fast, plain):
        assert got == want, got[:2]


def test_the_plain_way_is_asked_for_by_keyword_and_checks_its_arguments_as_the_fast_way_does():
    assert check("An addict", shortcuts=False) == check("An addict")
    with pytest.raises(ValueError, match="voice"):
        check("addict", voice="nobody", shortcuts=False)
    with pytest.raises(TypeError, match="settings"):
        check("addict", settings={}, shortcuts=False)
    with pytest.raises(TypeError):
        check("addict", "organisation", None, False)  # keyword-only, like voice and settings


def test_the_prefilter_finds_every_match_that_trying_every_trigger_everywhere_finds():
    for settings in SETTINGS:
        for voice in ("organisation", "storyteller"):
            table, index = settings.index(voice)
            for text in TEXTS:
                prepared = prepare(text)
                fast = [(c.number, c.start, c.end, c.groups) for c in checker._match(prepared, table, index)]
                plain = [(c.number, c.start, c.end, c.groups) for c in _brute_force_match(prepared, table, index)]
                assert fast == plain, text


def test_a_probe_reports_each_trigger_exactly_as_its_own_pattern_does():
    table, index = LanguageSettings().index("organisation")
    for text in TEXTS[:400]:
        low = prepare(text).low
        for place in index.finder.finditer(low):
            at, probe = place.start(), index.probes[key_of(place.group(1))]
            joined = probe.regex.match(low, at)
            for number, group, names in probe.slots:
                if group < 0:
                    continue
                own = table[number][2].pattern.match(low, at)
                assert joined.span(group) == (own.span() if own else (-1, -1))
                if own:
                    assert {name: joined.group(renamed) for name, renamed in names} == own.groupdict()


def test_prefixes_treat_the_word_gap_as_one_gap_and_never_start_with_it():
    assert prefixes(r"a[\s\-_]*bit[\s\-_]*ocd") == {"a bit ", "a bito", "abit o", "abitoc"}
    assert prefixes(r"co-?dependent") == {"co dep", "codepe"}  # a written hyphen is filed as a gap
    assert prefixes(r"[\s\-_]*junkie") is None  # could start with a gap: tried everywhere
    assert key_of("a-\n bit") == "a" + GAP + "bit" and key_of("addict") == "addict"


def test_a_gap_in_a_prefix_does_not_hide_the_next_word_start():
    assert [f.rule for f in check("The crack-head stereotype has to go.").findings] == ["crackhead"]
    assert [f.rule for f in check("the a-bit-ocd joke").findings] == [r.rule for r in check("the a bit ocd joke").findings]


def test_reversed_patterns_answer_like_a_search_for_every_before_context():
    windows = [prepare(text).low[max(0, at - DEFAULT_WINDOW):at]
               for text in TEXTS[:300] for at in range(0, len(text), 7)]
    checked = 0
    for settings in SETTINGS:
        for _, _, trigger, _ in settings.index("organisation")[0] + settings.index("storyteller")[0]:
            for forward, backward in ((trigger.before, trigger.before_reversed),
                                      (trigger.not_before, trigger.not_before_reversed)):
                if forward is None:
                    continue
                assert backward is not None, forward.pattern  # every built-in context can be reversed
                for left in windows:
                    assert bool(backward.match(left[::-1])) == bool(forward.search(left)), (forward.pattern, left)
                checked += 1
    assert checked >= 20


@pytest.mark.parametrize("source", [r"(a)\1", r"(?i)abc", r"(?P<x>a)(?P=x)", r"a$", r"(?>ab)", r"a++"])
def test_patterns_that_cannot_be_reversed_keep_their_forward_search(source):
    assert reversed_pattern(re.compile(source)) is None


@pytest.mark.parametrize("source, texts", [
    (r"(?<!\w)(?:been|i[\s\-_]*am)(?: still)?[\s\-_]*\Z", ["i have been ", "xbeen ", "i am still ", "i am", "bean "]),
    (r"\b[^a-c\d]x.(?=y)\Z", ["zxqy", "axqy"]),
    (r"(?:ab|cd){1,2}e*\Z", ["ababee", "cdx", "abcde"]),
])
def test_a_reversed_pattern_matches_the_reverse_of_what_the_pattern_finds_at_the_end(source, texts):
    forward = re.compile(source)
    backward = reversed_pattern(forward)
    for text in texts:
        assert bool(backward.match(text[::-1])) == bool(forward.search(text)), text


def _offsets_the_plain_way(text):
    """Return the normalised text and one original offset per character, built as prepare() once did."""
    norm, index = [], []
    for at, char in enumerate(text):
        replacement = text_module._SPECIAL.get(char)
        if replacement is None:
            replacement = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        norm.append(replacement)
        index += [at] * len(replacement)
    norm = "".join(norm)
    cuts = [m.start() for start, end in text_module._hashtags(norm) for m in text_module._CAMEL.finditer(norm, start, end)]
    for cut in reversed(cuts):  # a space before each cut, standing for the character after it
        norm, index = norm[:cut] + " " + norm[cut:], index[:cut] + [index[cut]] + index[cut:]
    return norm, index


def test_offsets_map_back_to_the_original_text_as_a_list_per_character_did():
    rng = random.Random(5)
    pieces = ["ab", " ", "ﬁ", "\u00ad", "\u200b", "’", "𝐣", "İ", "#", "#CleanAndSober", "NHSRecovery2024", "x\u2011y", "é"]
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        prepared = prepare(text)
        norm, index = _offsets_the_plain_way(text)
        assert prepared.norm == norm
        assert [prepared.original_span(at, at + 1) for at in range(len(norm))] == [(i, i + 1) for i in index]


def test_addresses_and_hashtags_are_found_as_a_search_of_the_whole_text_finds_them():
    rng = random.Random(11)
    bits = ["a", "b.c", "@", "x@y.z", "https://", "www.", "e.f", " ", "\n", "#", "#Tag", "-", "_", "+", "::", "//", "C#"]
    for _ in range(3000):
        text = "".join(rng.choice(bits) for _ in range(rng.randint(0, 14)))
        assert _masked(text) == tuple(m.span() for m in _MASK.finditer(text)), text
        assert text_module._hashtags(text) == [m.span() for m in _HASHTAG.finditer(text)], text


def test_rendered_suggestions_are_remembered_and_the_memory_stays_bounded(monkeypatch):
    settings = LanguageSettings()
    memo = settings.index("organisation")[1].memo
    memo.clear()  # equal settings share one index, so the tests before may have filled it
    first = check("An addict and two ADDICTS", settings=settings)
    assert memo and check("An addict and two ADDICTS", settings=settings) == first
    assert [f.suggestions[0] for f in first.findings] == ["A person with an addiction", "PEOPLE WITH AN ADDICTION"]
    monkeypatch.setattr(suggest, "MEMO_SIZE", 3)
    for text in ("addict", "Addict", "ADDICT", "addicts", "Addicts"):
        check(text, settings=settings)
        assert len(memo) <= 3


def test_quick_findings_and_reports_equal_ones_built_the_usual_way():
    fields = dict(rule="r", severity="info", start=1, end=3, text="ab", message="m", suggestions=("x",), source="s")
    assert new_finding(**fields, rewrite=False) == Finding(**fields, rewrite=False)
    assert new_finding(**fields, rewrite=False).rewrite is False
    assert new_report("t", ()) == Report("t", ()) and hash(new_finding(**fields, rewrite=True)) == hash(Finding(**fields))


def test_texts_with_no_candidate_word_have_no_findings():
    for text in ("", "Lovely weather for the fun run on Saturday.", "x" * 5000, " \n\t "):
        assert check(text).findings == ()
