"""A second reader for safe messaging: a word model that weighs each sentence near a death, beside safe.toml.

The phrase rules of safe.toml are precise and say exactly what is wrong, but on sets written by people
who never saw them they found about a third of what breaks the guidance: "he is at peace at last"
comes in more wordings than rules can list. This model reads the sentences of a text that touch a
death (DEATH), and the two after and the one before each (a tribute's "You're free now" follows its
"RIP"), one at a time. A sentence the model scores at its threshold or above, and that no rule flagged
already, becomes a warning: a reviewer is asked to look, the sentence is never rewritten. Which kind of
problem it is (method, location, sensational, romanticising, solution, single cause) is the kind whose
own model scores the sentence highest, and the finding carries that kind's safe.toml rule: its id,
message and source, so that disabling a rule disables its model findings too.

The models are learnt by care/safe_train.py from the labelled sets; safe_model.json holds their weights and
what they were learnt from.
"""

from __future__ import annotations

import re

from functools import lru_cache
from pathlib import Path

from .lazy import LazyPattern
from .model import RANK, Finding, new_finding
from .wordmodel import Model, normalise, read_models, terms

MODEL_FILE = Path(__file__).with_name("safe_model.json")
KINDS = ("method", "location", "sensational", "romanticising", "solution", "single-cause")
# The rule a finding of each kind carries, by voice: method and location have a storyteller's own rule.
_STORY_RULES = {"method": "safe-method-story", "location": "safe-location-story"}
_STORY_RULE_IDS = frozenset(_STORY_RULES.values())
SENTENCE = LazyPattern(r"[^.!?\n]*(?:[.!?]+|\n|\Z)")
# Words that make a sentence touch a death or an attempt: where safe-messaging guidance applies.
DEATH = LazyPattern(
    r"(?<![\w'])(?:suicid\w*|overdos\w*|od'd|died|dies|die|dying|death|deaths|dead|killed|kills|kill|killing|"
    r"fatal\w*|hanged|drowned|rip|r\.i\.p|passed away|funeral|inquest|coroner|"
    r"lost (?:him|her|them|my|our|his|their)|took (?:his|her|their|my|your) own life|"
    r"end(?:ed|ing)? (?:it all|(?:his|her|their|my) own life)|attempt\w*|took an? od)"
    r"(?:[ ](?:himself|herself|themselves|themself|myself))?(?![\w'])")
# Every match of DEATH holds one of these: a text with none of them touches no death, and is not read.
GATE = ("suicid", "overdos", "od'd", "die", "dying", "death", "dead", "kill", "fatal", "hanged", "drown", "rip",
        "r.i.p", "passed away", "funeral", "inquest", "coroner", "lost ", "own life", "end it", "ended it", "ending it",
        "attempt", "took an od", "took a od")
# Safe-messaging guidance is about suicide and deaths from drugs or drink: a text with none of these words
# ("Nan passed away peacefully at 96, she's at rest now") is not read, however it speaks of a death.
TOPIC_WORDS = ("suicid", "overdos", "od'd", "own life", "killed him", "killed her", "killed them", "kill him",
               "kill her", "kill them", "hanged", "drug", "heroin", "fentanyl", "opioid", "opiate", "cocaine",
               "crack", "methadone", "nitazene", "xylazine", "spice", "ketamine", "benzo", "pills", "tablets",
               "paracetamol", "alcohol", "drink", "drank", "naloxone", "narcan", "needle", "inject")
BEFORE, AFTER = 1, 2  # sentences read either side of one that touches a death
WARNING = RANK["warning"]
# Said before the rule's message: the model weighs a sentence as a whole and cannot point at the words.
MODEL_NOTE = "Read as a whole, this sentence may go against safe-messaging guidance."
# The two framing rules that kept the ids they had before safe.toml ("suicide epidemic" in labels.toml,
# "suicide pact" in people.toml): the language evaluation sets name them. They count as safe messaging.
KEPT_IDS = frozenset({"suicide-epidemic", "suicide-pact"})


# A framing denied as it is said: "he didn't take the easy way out", "I won't pretend he's in a better place",
# "stop calling our city a death trap". Method and place are never denied away: the reader meets the detail
# all the same. (A framing answered only afterwards stays: the reader meets it first.)
_DENIED_BEFORE = LazyPattern(r"(?:\b(?:didn'?t|did not|never|wasn'?t|was not|weren'?t|isn'?t|is not|aren'?t|nor)\s+"
                             r"(?:[\w']+\s+){0,2}|\b(?:won'?t|will not|don'?t|do not|can'?t) (?:pretend|say|believe)\s+"
                             r"(?:that\s+)?(?:[\w']+\s+){0,2}|\bstop (?:calling|saying)\s+(?:[\w']+\s+){0,3})$")
_FRAMINGS = ("romanticising", "solution", "sensational", "single-cause")


def framing_denied(low: str, start: int, rule_id: str) -> bool:
    """Tell whether a safe-messaging framing at low[start:] is denied where it is said."""
    return kind_of(rule_id) in _FRAMINGS and bool(_DENIED_BEFORE.search(low[max(0, start - 60):start]))


def is_safe_messaging(rule_id: str) -> bool:
    """Tell whether a finding's rule is a safe-messaging rule."""
    return rule_id.startswith("safe-") or rule_id in KEPT_IDS


def stays_a_warning(rule_id: str) -> bool:
    """Tell whether a rule's findings stay warnings in a storyteller's words about themselves (method and location:
    it is the reader who is at risk, whoever wrote them; see safe.toml's header)."""
    return rule_id in _STORY_RULE_IDS


_ANOTHER = re.compile(r"(?<![\w'])(?:he|she|they|him|her|them|his|hers|their|theirs|he's|she's|they're|he'd|she'd)(?![\w'])")


def framed_about_another(rule_id: str, matched_low: str) -> bool:
    """Tell whether safe-messaging words frame somebody else's death ("it was the divorce that finished him",
    "now she's resting"): a storyteller's "I" before them does not make them the storyteller's own."""
    return is_safe_messaging(rule_id) and _ANOTHER.search(matched_low) is not None


class SafeModel:
    """The model that tells whether a sentence breaks the guidance, and one model for each kind of breaking it."""

    def __init__(self, any_kind: Model, kinds: dict[str, Model]) -> None:
        self.any_kind, self.kinds = any_kind, kinds

    def kind_breaking(self, sentence: str) -> str | None:
        """Return the kind of breaking the guidance whose own model scores the sentence highest, or None if it keeps it."""
        counts = terms(readable(sentence))  # once, for all seven models
        if self.any_kind.probability_of(counts) < self.any_kind.threshold:
            return None
        return max(KINDS, key=lambda kind: self.kinds[kind].probability_of(counts))


def readable(sentence: str) -> str:
    """Return a sentence as the models read it: normalised, each way of saying a death or an attempt put as "death".

    Which words say that someone died ("killed himself", "died by suicide") is not what goes against the
    guidance, and models that learnt them took plain reports for problems: they weigh what else is said.
    """
    return DEATH.sub("death", normalise(sentence))


def touches_a_death(low: str) -> bool:
    """Tell cheaply whether a lower-cased text may speak of suicide or a death from drugs: a TOPIC_WORDS word
    and a word that DEATH looks for (most posts have neither)."""
    # Loops of `in`: searching with DEATH itself took as long as a tenth of a post's check.
    return _any_in(low, TOPIC_WORDS) and _any_in(low, GATE)


def _any_in(low: str, words: tuple[str, ...]) -> bool:
    """Tell whether any of the words occurs in the text."""
    for word in words:
        if word in low:
            return True
    return False


def sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each sentence of the text, without the spaces around it."""
    spans = []
    for found in SENTENCE.finditer(text):
        start, end = found.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def near_a_death(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the sentences that touch a death, with the BEFORE sentences before and AFTER after each."""
    chosen = set()
    for number, (start, end) in enumerate(spans):
        if DEATH.search(text[start:end].lower()):
            chosen.update(range(max(0, number - BEFORE), min(len(spans), number + AFTER + 1)))
    return [spans[number] for number in sorted(chosen)]


def with_the_model(text: str, voice: str, settings, findings: list[Finding]) -> list[Finding]:
    """Return the rules' findings with the model's warnings added (LanguageSettings settings), in order of where they start."""
    taken = [(f.start, f.end, kind_of(f.rule)) for f in findings if is_safe_messaging(f.rule)]
    more = model_findings(text, voice, settings.rules_by_id(voice), taken)
    if not more:
        return findings
    return sorted([*findings, *more], key=lambda f: (f.start, f.end, f.rule))


def model_findings(text: str, voice: str, rules: dict, taken: list[tuple[int, int, str]],
                   model: SafeModel | None = None) -> list[Finding]:
    """Return a warning for each sentence near a death that the model (default: the learnt one) finds breaks the guidance.

    `rules` maps each active rule id to its (rule, severity); `taken` are the spans that safe.toml's
    rules flagged, with the kind each found. A sentence's own finding of a kind stands for the model's of
    that kind, but not of another: a rule that found the place ("a parking garage on Elm Street") says
    nothing of the method in the rest of the sentence, which the model may hear.
    """
    if not _any_in(normalise(text), TOPIC_WORDS):
        return []
    model = model or load_model()
    found = []
    for start, end in near_a_death(text, sentences(text)):
        sentence = text[start:end]
        kinds_here = {kind for a, b, kind in taken if a < end and start < b}
        kind = model.kind_breaking(sentence)
        if kind is None or kind in kinds_here:
            continue
        rule_id = _STORY_RULES.get(kind, f"safe-{kind}") if voice == "storyteller" else f"safe-{kind}"
        if rule_id not in rules:
            continue  # disabled, or not a rule for this voice or region
        rule, severity = rules[rule_id]
        if RANK[severity] > WARNING:
            severity = "warning"  # a model's word asks a reviewer to look; it never blocks on its own
        found.append(new_finding(rule_id, severity, start, end, sentence, f"{MODEL_NOTE} {rule.message}", (),
                                 rule.source, False))
    return found


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> SafeModel:
    """Read the learnt models (safe_model.json), naming the file in any mistake."""
    models = read_models(path, "safe-messaging model", "recovery_voice.care.safe_train")
    missing = [name for name in ("any", *KINDS) if name not in models]
    if missing:
        raise ValueError(f"{path}: not a safe-messaging model (no {', '.join(missing)}); make it with python -m "
                         "recovery_voice.care.safe_train")
    return SafeModel(models["any"], {kind: models[kind] for kind in KINDS})


def kind_of(rule_id: str) -> str:
    """Return the kind of breaking the guidance a safe-messaging rule finds ("safe-method-story": "method")."""
    if rule_id in KEPT_IDS:
        return "sensational"  # "suicide epidemic", "suicide pact": headline words, kept in the language rules
    return rule_id.removeprefix("safe-").removesuffix("-story")
