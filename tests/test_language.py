"""Tests for the language check: rules, matching, context, suggestions, settings and the report shape."""

import re

import pytest

from recovery_voice.language import (
    SEVERITIES,
    Finding,
    LanguageSettings,
    Report,
    RuleFileError,
    check,
    load_rules,
)

US = LanguageSettings(region="us")


def found(text, **kwargs):
    """Return (rule, severity, text) for each finding, in order."""
    return [(f.rule, f.severity, f.text) for f in check(text, **kwargs).findings]


def only(text, **kwargs):
    """Return the single finding in a text, failing if there is not exactly one."""
    findings = check(text, **kwargs).findings
    assert len(findings) == 1, findings
    return findings[0]


# One example per built-in rule: every rule must fire on its example, and every rule needs one.
EXAMPLES = {
    "junkie": ("He was called a junkie.", "uk"),
    "crackhead": ("Meth heads need care too.", "uk"),
    "drunk-noun": ("He is just a drunk.", "uk"),
    "committed-suicide": ("Her son committed suicide.", "uk"),
    "born-addicted": ("Some babies are born addicted.", "uk"),
    "addict-noun": ("Addicts deserve support.", "uk"),
    "ex-addict": ("A former addict spoke.", "uk"),
    "alcoholic-noun": ("My neighbour is an alcoholic.", "uk"),
    "substance-abuse": ("Substance abuse is rising.", "uk"),
    "drug-abuser": ("Drug abusers were jailed.", "uk"),
    "clean-person": ("She has been clean for 5 years.", "uk"),
    "clean-test": ("He gave a clean urine sample.", "uk"),
    "dirty-test": ("She had a dirty urine.", "uk"),
    "drug-user": ("Drug users are welcome.", "uk"),
    "injecting-drug-user": ("Injecting drug users need sterile kit.", "uk"),
    "suffering-from": ("He is suffering from addiction.", "uk"),
    "victim-of-addiction": ("They were victims of addiction.", "uk"),
    "drug-habit": ("He funded his drug habit.", "uk"),
    "replacing-one-drug": ("Methadone is replacing one drug with another.", "uk"),
    "harm-reduction-myth": ("Needle exchanges only encourage drug use.", "uk"),
    "relapser": ("He was seen as a chronic relapser.", "uk"),
    "service-users": ("Our service users run the cafe.", "uk"),
    "patients": ("Our patients run the cafe.", "uk"),
    "clients": ("Our clients run the cafe.", "uk"),
    "failed-suicide-attempt": ("After a failed suicide attempt she found help.", "uk"),
    "suicide-epidemic": ("Papers call it a suicide epidemic.", "uk"),
    "suicide-victim": ("The suicide victims were young.", "uk"),
    "mentally-ill": ("Services for the mentally ill are stretched.", "uk"),
    "relapse": ("A relapse is not the end of recovery.", "uk"),
    "misuse": ("Substance misuse services are open.", "uk"),
    "rehab": ("She went to rehab.", "us"),
    "detox": ("He went through detox.", "us"),
    "alcoholism": ("Alcoholism runs in families.", "uk"),
    "trivialising-addiction": ("I'm an adrenaline junkie.", "uk"),
    "medication-treatment": ("Ask about replacement therapy.", "uk"),
    "fell-off-the-wagon": ("He fell off the wagon.", "uk"),
    "rock-bottom": ("She hit rock bottom.", "uk"),
    "failed-treatment": ("He failed rehab twice.", "uk"),
    "self-help-group": ("Join a self-help group.", "uk"),
    "clean-equipment": ("We hand out clean needles.", "uk"),
    "the-homeless": ("Soup for the homeless.", "uk"),
    "addicted-person": ("Addicted mothers deserve care.", "uk"),
    "dirty-person": ("He was dirty again after a month of using.", "uk"),
    "hardcore-user": ("Hardcore drug users were turned away.", "uk"),
    "suicide-pact": ("Police said it was a suicide pact.", "uk"),
    "mental-health-slur": ("He is a psycho.", "uk"),
    "mental-health-trivial": ("It was a crazy busy week.", "uk"),
    "justice-label": ("Ex-offenders are welcome here.", "uk"),
    "drug-dealer": ("A heroin dealer was jailed.", "uk"),
    "intoxication-slang": ("She was strung out for weeks.", "uk"),
    "blaming-label": ("He was in denial for years.", "uk"),
    "enabler": ("Families are not enablers.", "uk"),
    "hopeless-framing": ("The drug scourge is everywhere.", "uk"),
    "addicted-to": ("She was addicted to heroin.", "uk"),
    "drug-problem": ("He had a drug problem.", "uk"),
    "overdose-slang": ("He ODed last year.", "uk"),
}


# ---------------------------------------------------------------- the built-in rules


def test_every_built_in_rule_has_an_example_here():
    # The safe-messaging rules (safe.toml) have theirs in test_safe_messaging.py: some are for stories only.
    assert {rule.id for rule in load_rules() if not rule.id.startswith("safe-")} == set(EXAMPLES)


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_every_built_in_rule_fires_on_its_example(rule_id):
    text, region = EXAMPLES[rule_id]
    report = check(text, settings=LanguageSettings(region=region))
    assert rule_id in [f.rule for f in report.findings]


def test_every_rule_explains_itself_suggests_something_and_names_a_source():
    for rule in load_rules():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
        assert rule.severity in SEVERITIES
        assert len(rule.message) > 30, rule.id
        assert rule.suggestions or rule.claim, rule.id  # a claim may have none: no word swap fixes it
        assert rule.source, rule.id


def test_load_rules_parses_the_files_only_once():
    assert load_rules() is load_rules()


# ---------------------------------------------------------------- severities


def test_it_flags_junkie_as_an_error():
    finding = only("He was just a junkie to them.")
    assert (finding.rule, finding.severity, finding.text) == ("junkie", "error", "a junkie")
    assert "person who uses drugs" in finding.suggestions[0]
    assert finding.source


@pytest.mark.parametrize("text", ["crackhead", "crack head", "crack-head", "crackheads", "meth head", "druggie", "junkies"])
def test_it_flags_slurs_in_every_spelling_as_errors(text):
    finding = only(f"They said {text} and walked off.")
    assert finding.severity == "error"
    assert finding.text == text


def test_it_flags_committed_suicide_as_an_error():
    finding = only("He committed suicide in 2010.")
    assert (finding.rule, finding.severity) == ("committed-suicide", "error")
    assert "died by suicide" in finding.suggestions


@pytest.mark.parametrize("text", ["born addicted", "addicted babies", "crack babies"])
def test_it_flags_born_addicted_as_an_error(text):
    assert found(f"Stories of {text} sell papers.") == [("born-addicted", "error", text)]


@pytest.mark.parametrize("text, rule", [
    ("addicts", "addict-noun"),
    ("heroin addicts", "addict-noun"),
    ("ex-addicts", "ex-addict"),
    ("former addicts", "ex-addict"),
    ("recovering addicts", "ex-addict"),
    ("recovering alcoholics", "ex-addict"),
    ("alcoholics", "alcoholic-noun"),
    ("substance abuse", "substance-abuse"),
    ("drug abuse", "substance-abuse"),
    ("alcohol abuse", "substance-abuse"),
    ("drug abusers", "drug-abuser"),
    ("substance abusers", "drug-abuser"),
    ("drug users", "drug-user"),
    ("injecting drug users", "injecting-drug-user"),
    ("IV users", "injecting-drug-user"),
    ("victims of addiction", "victim-of-addiction"),
    ("drug habits", "drug-habit"),
])
def test_it_warns_about_labels(text, rule):
    assert found(f"We talked about {text} today.") == [(rule, "warning", text)]


@pytest.mark.parametrize("text, flagged", [
    ("She has been clean 5 years.", "clean"),
    ("Celebrating my clean time!", "clean time"),
    ("Stay clean, friends.", "clean"),
    ("Two years clean today.", "clean"),
    ("He got clean in 2015.", "clean"),
])
def test_it_warns_about_clean_describing_a_person_or_time(text, flagged):
    assert found(text) == [("clean-person", "warning", flagged)]


def test_it_warns_about_dirty_tests_and_suffering_and_replacing_drugs():
    assert found("She gave a dirty urine.") == [("dirty-test", "warning", "dirty urine")]
    assert found("He is suffering from addiction.") == [("suffering-from", "warning", "suffering from")]
    assert found("It is replacing one drug with another.")[0][:2] == ("replacing-one-drug", "warning")


@pytest.mark.parametrize("text, rule", [
    ("She had a relapse after years of drinking.", "relapse"),
    ("Drug misuse services are open.", "misuse"),
    ("Alcoholism is treatable.", "alcoholism"),
    ("I'm an adrenaline junkie.", "trivialising-addiction"),
])
def test_it_gives_only_info_for_contested_terms(text, rule):
    assert [(r, s) for r, s, _ in found(text)] == [(rule, "info")]


# ---------------------------------------------------------------- context: not flagged


@pytest.mark.parametrize("text", [
    "We need clean water.",
    "A clean slate for everyone.",
    "Clean energy jobs.",
    "It's time to come clean.",
    "Please clean the kitchen after the meeting.",
    "An abuse of power.",
    "Child abuse and domestic abuse are crimes.",
    "Most app users never notice.",
    "The user clicked the button.",
    "Please be patient with us.",
    "No alcoholic drinks tonight.",
    "We serve non-alcoholic cocktails.",
    "Alcoholics Anonymous meets on Tuesdays.",
    "Narcotics Anonymous meets on Fridays.",
    "Adult Children of Alcoholics meets on Mondays.",
    "Sam is committed to recovery.",
    "Binge drinking is rising.",
    "SAMHSA, the Substance Abuse and Mental Health Services Administration, funds it.",
    "The National Institute on Drug Abuse funds it.",
    "Our relapse prevention group starts soon.",
    "Her cancer relapse was hard on everyone.",
    "We help people in recovery.",
])
def test_it_leaves_ordinary_uses_of_trigger_words_alone(text):
    assert check(text).findings == ()


def test_it_leaves_clean_water_alone():
    assert check("Clean water for every village.").findings == ()


def test_it_leaves_web_addresses_and_handles_alone():
    assert check("Read https://example.org/junkie-myths and thank @JunkieXL").findings == ()


def test_it_does_not_flag_the_myth_it_is_correcting():
    assert check("Methadone is not replacing one drug with another.").findings == ()


# ---------------------------------------------------------------- matching


def test_it_matches_all_caps():
    assert found("GET THE JUNKIES OFF OUR STREETS") == [("junkie", "error", "JUNKIES")]


def test_it_matches_possessives_with_straight_and_curly_apostrophes():
    text = "The addict's mum and the addicts’ families"
    assert [f.text for f in check(text).findings] == ["addict", "addicts"]


@pytest.mark.parametrize("spelling", ["ex-addict", "ex addict", "exaddict", "ex‑addict", "EX-ADDICT"])
def test_it_matches_hyphen_space_and_joined_variants(spelling):
    finding = only(f"Meet Jo, {spelling} and artist.")
    assert finding.rule == "ex-addict"
    assert finding.text == spelling


@pytest.mark.parametrize("text, flagged, rule", [
    ("Proud to be #RecoveringAddict today", "RecoveringAddict", "ex-addict"),
    ("Talk about #SubstanceAbuse", "SubstanceAbuse", "substance-abuse"),
    ("#StopTheStigmaOfSubstanceAbuse now", "SubstanceAbuse", "substance-abuse"),
    ("#5YearsClean", "Clean", "clean-person"),
])
def test_it_matches_camelcase_hashtags_with_offsets_on_the_matched_part(text, flagged, rule):
    finding = only(text)
    assert finding.rule == rule
    assert (finding.start, finding.end) == (text.index(flagged), text.index(flagged) + len(flagged))
    assert text[finding.start:finding.end] == flagged


def test_a_hashtag_gets_hashtag_suggestions():
    assert only("#RecoveringAddict").suggestions[0] == "PersonInRecovery"


def test_it_matches_words_next_to_emoji_and_punctuation():
    assert [f.text for f in check("🔥junkie! (addicts) \"druggies\"…").findings] == ["junkie", "addicts", "druggies"]


def test_offsets_are_into_the_original_text_when_emoji_come_first():
    text = "👨‍👩‍👧 💚 Our friends are not junkies."
    finding = only(text)
    assert finding.start == text.index("junkies")
    assert text[finding.start:finding.end] == finding.text == "junkies"


def test_it_matches_across_line_breaks():
    text = "We support\ndrug\nusers and crack\nheads alike"
    assert [f.text for f in check(text).findings] == ["drug\nusers", "crack\nheads"]


def test_it_sees_through_stylised_letters_and_invisible_hyphens():
    text = "no more 𝐣𝐮𝐧𝐤𝐢𝐞 or junk\u00adie talk"
    findings = check(text).findings
    assert [f.text for f in findings] == ["𝐣𝐮𝐧𝐤𝐢𝐞", "junk\u00adie"]
    assert all(text[f.start:f.end] == f.text for f in findings)


def test_findings_are_sorted_by_start_and_the_longest_match_wins():
    text = "Junkies, recovering addicts and addicts"
    findings = check(text).findings
    assert [(f.rule, f.text) for f in findings] == [
        ("junkie", "Junkies"), ("ex-addict", "recovering addicts"), ("addict-noun", "addicts")]
    assert [f.start for f in findings] == sorted(f.start for f in findings)


# ---------------------------------------------------------------- context: voice, quotes, mentions


@pytest.mark.parametrize("text, rule", [
    ("I'm an addict and proud to be in recovery", "addict-noun"),
    ("I was a junkie for ten years", "junkie"),
    ("I've been clean since 2019", "clean-person"),
    ("I am a grateful recovering alcoholic.", "ex-addict"),
])
def test_a_storyteller_describing_themselves_gets_only_info(text, rule):
    assert [(r, s) for r, s, _ in found(text, voice="storyteller")] == [(rule, "info")]


def test_the_same_words_in_the_organisations_voice_are_not_softened():
    assert found("I was a junkie for ten years")[0][1] == "error"
    assert found("I'm an addict and proud to be in recovery")[0][1] == "warning"


def test_a_storyteller_talking_about_other_people_still_gets_warnings():
    assert found("I've met addicts who changed my life.", voice="storyteller")[0][1] == "warning"
    assert found("My alcoholic father drank every day.", voice="storyteller")[0][1] == "warning"


def test_storyteller_voice_does_not_soften_committed_suicide():
    assert found("My brother committed suicide.", voice="storyteller")[0][1] == "error"


@pytest.mark.parametrize("text", [
    'Sam told us: "I was a junkie, and now I run the cafe."',
    "Sam told us: “I was a junkie, and now I run the cafe.”",
])
def test_quoted_speech_is_info_in_any_voice(text):
    assert found(text) == [("junkie", "info", "a junkie")]


@pytest.mark.parametrize("text", ['She said "I was a junkie"', 'Sam said “I’m a junkie”'])
def test_a_quoted_sentence_after_said_is_speech_not_a_mention(text):
    assert found(text) == [("junkie", "info", "a junkie")]


@pytest.mark.parametrize("text", [
    "We don't say 'junkie'.",
    "Words like 'junkie' hurt.",
    'We never say "been clean" here.',
    "They called us ‘junkies’, ‘crackheads’ or ‘addicts’.",
    "'Junkie' is a slur.",
    "We stopped using the word addict.",
])
def test_a_mentioned_word_is_not_a_finding(text):
    assert check(text).findings == ()


@pytest.mark.parametrize("text", ["Our service users run it.", "Our patients run it.", "Our clients run it."])
def test_house_style_words_are_flagged_only_in_the_organisations_voice(text):
    assert found(text)[0][1] == "warning"
    assert check(text, voice="storyteller").findings == ()


def test_business_clients_and_impatient_typos_are_left_alone():
    assert check("We email clients weekly. Please be patients with us.").findings == ()


# ---------------------------------------------------------------- suggestions


def test_suggestions_keep_the_capitalisation_of_the_match():
    assert only("Addicts deserve better.").suggestions[0] == "People with an addiction"
    assert only("We support addicts.").suggestions[0] == "people with an addiction"
    assert only("WE SUPPORT ADDICTS").suggestions[0] == "PEOPLE WITH AN ADDICTION"


def test_suggestions_keep_the_number_of_the_match():
    assert only("One addict told us.").suggestions[0] == "person with an addiction"
    assert only("Many addicts told us.").suggestions[0] == "people with an addiction"


def test_suggestions_bring_their_own_article_when_the_match_has_one():
    finding = only("He is an ex-addict.")
    assert finding.text == "an ex-addict"
    assert finding.suggestions[0] == "a person in recovery"
    assert only("Her uncle was an alcoholic uncle.").suggestions[0] == "an uncle with an alcohol problem"


def test_suggestions_name_the_drug_the_text_named():
    assert only("Heroin addicts need care.").suggestions[0] == "People with an addiction to heroin"
    assert only("Meth heads need care.").suggestions[0] == "People who use meth"
    assert only("He has been in rehab.", settings=US).suggestions == ("treatment",)


# ---------------------------------------------------------------- region


def test_rehab_and_detox_are_info_in_the_us_and_left_alone_in_the_uk():
    text = "Residential rehab and inpatient detox are open."
    assert check(text).findings == ()
    assert [(r, s) for r, s, _ in found(text, settings=US)] == [("rehab", "info"), ("detox", "info")]


def test_region_switches_the_medication_treatment_terms():
    uk = only("Ask us about MAT.")
    us = only("Ask us about OST.", settings=US)
    assert (uk.rule, uk.suggestions[0]) == ("medication-treatment", "opioid substitution treatment (OST)")
    assert (us.rule, us.suggestions[0]) == ("medication-treatment", "medications for opioid use disorder (MOUD)")
    assert check("Ask us about OST.").findings == ()


def test_uk_law_names_keep_their_wording():
    assert check("The Misuse of Drugs Act 1971.").findings == ()
    assert found("Problems from the misuse of drugs.")[0][0] == "misuse"


# ---------------------------------------------------------------- settings


def test_a_disabled_rule_is_not_reported():
    settings = LanguageSettings(disabled=frozenset({"junkie"}))
    assert check("He was a junkie.", settings=settings).findings == ()
    assert found("He was a junkie.")  # the default still flags it


def test_a_severity_change_applies():
    settings = LanguageSettings(severities={"addict-noun": "error", "relapse": "warning"})
    assert found("Addicts relapse.", settings=settings) == [
        ("addict-noun", "error", "Addicts"), ("relapse", "warning", "relapse")]


def test_an_extra_term_is_matched_case_insensitively_with_plurals():
    term = {"id": "bed-blocker", "pattern": ["bed blocker", "frequent flyer"], "severity": "warning",
            "message": "Hospital slang that blames people for needing care.", "suggestions": ["person|people"]}
    settings = LanguageSettings(extra_terms=(term,))
    findings = check("Two Bed-Blockers and a frequent flyer.", settings=settings).findings
    assert [(f.rule, f.text, f.suggestions) for f in findings] == [
        ("bed-blocker", "Bed-Blockers", ("People",)), ("bed-blocker", "frequent flyer", ("person",))]
    assert findings[0].source == "organisation"
    assert findings[0].message == term["message"]


def test_an_extra_term_can_be_switched_off_or_made_stricter():
    term = {"id": "our-word", "pattern": "druggo", "severity": "info", "message": "Our members asked us not to use it."}
    assert found("A druggo.", settings=LanguageSettings(extra_terms=(term,), severities={"our-word": "error"})) == [
        ("our-word", "error", "druggo")]
    assert check("A druggo.", settings=LanguageSettings(extra_terms=(term,), disabled={"our-word"})).findings == ()


GOOD_TERM = {"id": "our-term", "pattern": "x", "severity": "info", "message": "Why."}


@pytest.mark.parametrize("settings, problem", [
    ({"region": "fr"}, "region"),
    ({"disabled": frozenset({"no-such-rule"})}, "no-such-rule"),
    ({"disabled": "junkie"}, "disabled"),
    ({"severities": {"no-such-rule": "info"}}, "no-such-rule"),
    ({"severities": {"junkie": "fatal"}}, "fatal"),
    ({"extra_terms": ({**GOOD_TERM, "colour": "red"},)}, "colour"),
    ({"extra_terms": ({**GOOD_TERM, "severity": "huge"},)}, "severity"),
    ({"extra_terms": ({k: v for k, v in GOOD_TERM.items() if k != "message"},)}, "message"),
    ({"extra_terms": ({k: v for k, v in GOOD_TERM.items() if k != "pattern"},)}, "pattern"),
    ({"extra_terms": ({k: v for k, v in GOOD_TERM.items() if k != "id"},)}, "id"),
    ({"extra_terms": ({**GOOD_TERM, "id": "junkie"},)}, "junkie"),
    ({"extra_terms": ({**GOOD_TERM, "suggestions": "people"},)}, "suggestions"),
])
def test_invalid_settings_raise_value_error_naming_the_problem(settings, problem):
    with pytest.raises(ValueError, match=re.escape(problem)):
        LanguageSettings(**settings)


def test_settings_from_a_config_file_are_normalised():
    settings = LanguageSettings(region="US", disabled=["rehab"], severities={"rehab": "warning"})
    assert settings.region == "us"
    assert settings.disabled == frozenset({"rehab"})
    assert settings == LanguageSettings(region="us", disabled=frozenset({"rehab"}), severities={"rehab": "warning"})
    assert hash(settings) == hash(LanguageSettings(region="us", disabled=["rehab"], severities={"rehab": "warning"}))


# ---------------------------------------------------------------- report and finding shape


def test_finding_to_dict_has_exactly_the_contract_keys():
    data = only("He was a junkie.").to_dict()
    assert list(data) == ["rule", "severity", "start", "end", "text", "message", "suggestions", "source", "fix"]
    assert isinstance(data["suggestions"], list)
    assert (data["start"], data["end"], data["text"]) == (7, 15, "a junkie")
    assert data["fix"] == {"start": 7, "end": 15, "text": "a person who uses drugs"}  # fitted to its own words
    fitted = check("He was a junkie.").to_dict()["findings"][0]["fix"]  # fitted to its sentence: "was", the past
    assert fitted == {"start": 7, "end": 15, "text": "a person who used drugs"}


def test_report_to_dict_is_ok_only_when_nothing_reaches_fail_on():
    report = check("A relapse is part of many stories.")  # info only
    assert report.to_dict() == {"ok": True, "findings": [f.to_dict() for f in report.findings],
                                "suggested_text": "A return to use is part of many stories."}
    assert report.to_dict(fail_on="info")["ok"] is False
    assert check("Addicts.").to_dict()["ok"] is False
    assert check("Addicts.").to_dict(fail_on="error")["ok"] is True


def test_report_worst_and_reaches():
    report = check("Addicts, junkies and relapse.")
    assert report.worst() == "error"
    assert report.reaches("warning") and report.reaches("error")
    empty = check("Recovery is possible.")
    assert empty.worst() is None and not empty.reaches("info")
    assert empty == Report("Recovery is possible.", ())


def test_reaches_refuses_an_unknown_severity():
    with pytest.raises(ValueError, match="fatal"):
        check("Addicts.").reaches("fatal")


def test_check_refuses_an_unknown_voice_and_non_text():
    with pytest.raises(ValueError, match="narrator"):
        check("hello", voice="narrator")
    with pytest.raises(TypeError):
        check(None)


def test_findings_and_reports_are_frozen():
    finding = only("A junkie.")
    assert isinstance(finding, Finding)
    with pytest.raises(AttributeError):
        finding.severity = "info"


# ---------------------------------------------------------------- rules files


GOOD_RULE = """
[[rule]]
id = "{id}"
severity = "{severity}"
message = "Why it hurts."
suggestions = ["something kinder"]
source = "test"
patterns = ['{pattern}']
"""


@pytest.mark.parametrize("fields, problem", [
    ({"severity": "fatal"}, "severity"),
    ({"pattern": "(unclosed"}, "does not compile"),
    ({"pattern": "Capital"}, "lower case"),
    ({"pattern": "{nowhere}"}, "nowhere"),
])
def test_a_malformed_rules_file_fails_loudly_naming_the_file_and_rule(tmp_path, fields, problem):
    values = {"id": "my-rule", "severity": "warning", "pattern": "word", **fields}
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_RULE.format(**values), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(path)
    assert "bad.toml" in str(caught.value)
    assert "my-rule" in str(caught.value)
    assert problem in str(caught.value)


def test_a_rules_file_with_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[[rule]\nid = ", encoding="utf-8")
    with pytest.raises(RuleFileError, match="broken.toml"):
        load_rules(path)


def test_a_rules_file_with_an_unknown_key_names_the_key(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(GOOD_RULE.format(id="my-rule", severity="info", pattern="word") + "sevrity = 'x'\n",
                    encoding="utf-8")
    with pytest.raises(RuleFileError, match="sevrity"):
        load_rules(path)


def test_a_good_rules_file_loads(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(GOOD_RULE.format(id="my-rule", severity="info", pattern="word"), encoding="utf-8")
    (rule,) = load_rules(path)
    assert (rule.id, rule.severity, rule.region) == ("my-rule", "info", "both")


NEAR_RULE = GOOD_RULE + """
[[rule.match]]
patterns = ['at peace']
near = ['funeral']
sentences = {sentences}
"""


@pytest.mark.parametrize("sentences, fires", [(0, False), (1, True)])
def test_near_reads_the_sentences_either_side_only_when_a_rule_asks(tmp_path, sentences, fires):
    path = tmp_path / "near.toml"
    path.write_text(NEAR_RULE.format(id="my-rule", severity="warning", pattern="word", sentences=sentences),
                    encoding="utf-8")
    (rule,) = load_rules(path)
    low = "the funeral was on friday. she is at peace now. tea after."
    start = low.index("at peace")
    assert rule.triggers[1].context_ok(low, start, start + len("at peace")) is fires


def test_a_rules_file_with_too_many_sentences_says_how_many_are_allowed(tmp_path):
    path = tmp_path / "far.toml"
    path.write_text(NEAR_RULE.format(id="my-rule", severity="warning", pattern="word", sentences=9), encoding="utf-8")
    with pytest.raises(RuleFileError, match="sentences must be a whole number from 0 to 3"):
        load_rules(path)


def test_a_rule_can_match_all_that_an_earlier_rule_matches_and_more(tmp_path):
    path = tmp_path / "shared.toml"
    path.write_text(GOOD_RULE.format(id="org-rule", severity="error", pattern="word")
                    + GOOD_RULE.format(id="story-rule", severity="warning", pattern="other").replace(
                        "source = ", 'matches_of = "org-rule"\nsource = '), encoding="utf-8")
    first, second = load_rules(path)
    assert second.triggers[:1] == first.triggers and len(second.triggers) == 2


def test_matches_of_a_rule_not_written_before_says_so(tmp_path):
    path = tmp_path / "later.toml"
    path.write_text(GOOD_RULE.format(id="story-rule", severity="warning", pattern="other").replace(
        "source = ", 'matches_of = "org-rule"\nsource = '), encoding="utf-8")
    with pytest.raises(RuleFileError, match="matches_of must name a rule written before this one"):
        load_rules(path)


# ---------------------------------------------------------------- suggested text, names and more context


def test_suggested_text_applies_the_first_suggestion_of_each_finding():
    report = check("Addicts and an ex-addict met drug users.")
    assert report.suggested_text == "People with an addiction and a person in recovery met people who use drugs."
    assert report.to_dict()["suggested_text"] == report.suggested_text


def test_suggested_text_keeps_quoted_speech_and_a_storytellers_own_words():
    text = 'Sam said: "I was a junkie." Drug users came.'
    assert check(text).suggested_text == 'Sam said: "I was a junkie." People who use drugs came.'
    assert check("I'm an addict in recovery.", voice="storyteller").suggested_text is None  # nothing to rewrite


def test_suggested_text_is_none_when_nothing_is_found():
    assert check("Recovery is possible.").suggested_text is None


@pytest.mark.parametrize("text", [
    "Gamblers Anonymous and Sex Addicts Anonymous share the hall.",
    "The Center for Substance Abuse Treatment trained our staff.",
    "The Scottish Drug Users Network met today.",
    "Cocaine Anonymous and Al-Anon meet here.",
])
def test_proper_names_of_fellowships_and_institutions_are_left_alone(text):
    assert check(text).findings == ()


def test_the_same_words_outside_a_name_are_still_flagged():
    assert found("Sex addicts need support.")[0][0] == "addict-noun"


@pytest.mark.parametrize("text, rule", [
    ("He stole to feed his habit, buying heroin daily.", "drug-habit"),
    ("The abuse of alcohol costs lives.", "substance-abuse"),
    ("He was dirty again after a month of using.", "dirty-person"),
    ("Children of alcoholics need support too.", "alcoholic-noun"),
    ("Addicted mothers deserve care.", "addicted-person"),
    ("The suicide bid failed.", "failed-suicide-attempt"),
    ("Swapping heroin for methadone, they call it.", "replacing-one-drug"),
])
def test_context_words_make_these_stigmatising(text, rule):
    assert rule in [r for r, s, _ in found(text) if s != "info"]


@pytest.mark.parametrize("text", [
    "Healthy habits help everyone.",
    "The room was dirty after the party.",
    "Verbal abuse of staff will not be tolerated.",
    "Our partner business has many clients.",
    "MS patients often have relapsing remitting symptoms.",
    "Police crack down on dealers of counterfeit goods.",
])
def test_the_same_words_without_that_context_are_left_alone(text):
    assert [f for f in check(text).findings if f.severity != "info"] == []


def test_a_storyteller_counting_their_own_clean_time_gets_only_info():
    assert found("Two years clean today and so grateful.", voice="storyteller") == [
        ("clean-person", "info", "clean")]
    assert found("Addicts are people too.", voice="storyteller")[0][1] == "warning"


def test_the_prefilter_handles_long_texts_in_one_pass():
    text = "We support people in recovery. " * 2000 + "Junkies."
    assert found(text) == [("junkie", "error", "Junkies")]
