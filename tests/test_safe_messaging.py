"""Safe messaging about suicide and deaths from drugs: the "safe-" rules of language/safe.toml."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from recovery_voice.language import check, load_rules
from recovery_voice.language.evaluate import load_cases
from recovery_voice.language.safe_model import MODEL_NOTE

TESTS = Path(__file__).parent
SAFE = {rule.id: rule for rule in load_rules() if rule.id.startswith("safe-")}


def safe_findings(text, voice="organisation"):
    """Return (rule, severity, text) for each safe- finding in a text."""
    return [(f.rule, f.severity, f.text) for f in check(text, voice=voice).findings if f.rule.startswith("safe-")]


def safe_warnings(text):
    """Return the rule of each safe- finding above info in a text (what a reviewer would be asked to look at)."""
    return [rule for rule, severity, _ in safe_findings(text) if severity != "info"]


# One or more sentences of each kind, in the organisation's voice, with the rule that must answer them.
KINDS = [
    ("He hanged himself in his flat in 2019.", "safe-method"),
    ("She was found hanging in her cell.", "safe-method"),
    ("Police said he took 40 paracetamol.", "safe-method"),
    ("She swallowed a bottle of sleeping pills.", "safe-method"),
    ("He slit his wrists in the bath.", "safe-method"),
    ("The drugs that killed her were fentanyl-laced.", "safe-method"),
    ("He died of a lethal cocktail of heroin and alcohol.", "safe-method"),
    ("She died after taking 500mg of tramadol.", "safe-method"),
    ("The inquest heard he shot himself at home.", "safe-method"),
    ("He jumped from the Humber bridge.", "safe-location"),
    ("She threw herself off the multi-storey car park.", "safe-location"),
    ("She threw herself in front of a train at Clapham Junction.", "safe-location"),
    ("He took his own life at Beachy Head.", "safe-location"),
    ("He leapt to his death.", "safe-location"),
    ("The bridge has become a suicide hotspot.", "safe-sensational"),
    ("Locals say the cliffs are a hotspot for people taking their own lives.", "safe-sensational"),
    ("A spate of suicides has shaken the town.", "safe-sensational"),
    ("Glasgow was called the overdose capital of Europe.", "safe-sensational"),
    ("Tragic death plunge at the quarry", "safe-sensational"),
    ("She died in March. She is finally at peace.", "safe-romanticising"),
    ("He's free from pain at last, his mum said after he died.", "safe-romanticising"),
    ("Some people said he took the easy way out.", "safe-romanticising"),
    ("He saw suicide as the only way out.", "safe-solution"),
    ("Suicide ended his suffering, the paper said.", "safe-solution"),
    ("He believed death was the only answer.", "safe-solution"),
    ("She killed herself because she failed her exams.", "safe-single-cause"),
    ("Benefit cuts drove him to suicide.", "safe-single-cause"),
    ("He took his own life over debts.", "safe-single-cause"),
    ("Bullying led to her suicide.", "safe-single-cause"),
    ("Mother of three died by suicide after benefits cut, inquest hears", "safe-single-cause"),
    ("He took his own life after years of struggle and after his business collapsed.", "safe-single-cause"),
    # Kinds the held-out set showed were missing, each said in other words than its texts.
    ("The 52-year-old stepped in front of the 17.40 from Leeds, the inquest heard.", "safe-location"),
    ("He plunged 30 metres from the roof of the hospital.", "safe-location"),
    ("Police think she drove to the reservoir and climbed the fence and jumped.", "safe-location"),
    ("She is believed to have waded into the river near the old mill weir.", "safe-location"),
    ("A man was found slumped in the public toilets on Church Street.", "safe-location"),
    ("Chaplains patrol the Clifton Suspension Bridge after every death.", "safe-location"),
    ("The drug den on Mill Road has claimed two lives this year.", "safe-location"),
    ("Paramedics found three empty packets of co-codamol by the sofa.", "safe-method"),
    ("He had been clean for a year and then took his usual dose.", "safe-method"),
    ("She had been stockpiling her tablets for weeks before she died.", "safe-method"),
    ("The coroner said he had taken roughly 40 tablets.", "safe-method"),
    ("The inquest heard he mixed gin with a bag of ketamine.", "safe-method"),
    ("The heroin that killed three friends came from one dealer.", "safe-method"),
    ("She died of a lethal dose of her father's oxycodone.", "safe-method"),
    ("Overdose deaths have rocketed in the valleys.", "safe-sensational"),
    ("Drug death tsunami hits the coast", "safe-sensational"),
    ("Night of carnage as four overdose in the city centre", "safe-sensational"),
    ("The estate has claimed another victim as drugs tear it apart.", "safe-sensational"),
    ("Nitazene epidemic grips the north", "safe-sensational"),
    ("Estate of death: locals fear more overdoses", "safe-sensational"),
    ("Crack zombies on every corner, says shopkeeper", "safe-sensational"),
    ("Our angel is dancing with the angels now.", "safe-romanticising"),
    ("He died last spring, at rest after years of torment.", "safe-romanticising"),
    ("Death had ended her suffering, the post said.", "safe-solution"),
    ("He chose to end his pain, they told the paper.", "safe-solution"),
    ("Pupil ended it all after cruel messages, inquest hears", "safe-single-cause"),
    ("He swallowed 30 tablets after losing his flat.", "safe-single-cause"),
    ("Is social media to blame for the rise in teen suicides?", "safe-single-cause"),
    # Kinds learnt from the fourth set's misses (2026-12-02), said in new words.
    ("She died after mixing methadone, pregabalin and cider.", "safe-method"),
    ("He was found dead after taking cocaine cut with fentanyl.", "safe-method"),
    ("Police said he died by suicide using a shotgun belonging to his uncle.", "safe-method"),
    ("He ended his life with a handful of diazepam and a bottle of vodka.", "safe-method"),
    ("The inquest heard she took thirty-six tablets.", "safe-method"),
    ("Drug deaths: Glasgow is drowning in overdoses.", "safe-sensational"),
    ("Another body bag on the estate as the overdose toll climbs.", "safe-sensational"),
    ("Connor died by suicide last week, and now he's free of all that noise.", "safe-romanticising"),
    ("He took his own life in May: no more voices, no more hiding.", "safe-romanticising"),
    ("Veteran who died by suicide 'went out on his own terms'", "safe-romanticising"),
    ("Mechanic took own life after losing his licence, inquest told", "safe-single-cause"),
    ("Her suicide was blamed squarely on the exam board.", "safe-single-cause"),
    # Kinds learnt from the ninth set's misses (2026-12-03), said in new words.
    ("Police said he had swallowed all of his gran's tablets before he died.", "safe-method"),
    ("He died after chewing his dad's fentanyl patches.", "safe-method"),
    ("She downed a litre of cider with her diazepam and never woke up.", "safe-method"),
    ("He had been hoarding his antidepressants before taking his own life.", "safe-method"),
    ("Friends said she walked out in front of the express as it came through the station, and died.", "safe-method"),
    ("He died last month, went off the top of the multi-storey.", "safe-method"),
    ("rip bro, nobody can hurt you anymore", "safe-romanticising"),
    ("Killing himself was the bravest thing he ever did, his mate said.", "safe-romanticising"),
    ("She took her own exit, quietly, in the spring.", "safe-romanticising"),
    ("Suicide really is the kindest choice for some people in that much pain, the post claimed.", "safe-solution"),
    ("He thought killing himself would fix it all.", "safe-solution"),
    ("omg he killed himself bc his mum kicked him out", "safe-single-cause"),
    ("Suicide season: farm deaths spike after harvest", "safe-sensational"),
    ("Overdose crisis sweeping our schools", "safe-sensational"),
    ("Teen death pact fears after two girls found", "safe-sensational"),
]


@pytest.mark.parametrize("text, rule_id", KINDS)
def test_it_answers_each_kind_of_unsafe_detail_with_its_safe_rule(text, rule_id):
    assert rule_id in [rule for rule, _, _ in safe_findings(text)], safe_findings(text)


# Context decides: the same words in everyday senses, and the safe way to say the hard thing.
CLEAN = [
    "I took two paracetamol for a headache.",
    "Take two tablets with water after food.",
    "We hang out in the café every Friday.",
    "Hang in there: the first week is the hardest.",
    "The café has a free wifi hotspot.",
    "The town centre is a crime hotspot, the council says.",
    "The loneliness epidemic is real.",
    "Our peer workers bridge the gap between services.",
    "I am at peace with my past.",
    "Jo is finally at peace with her past after twenty years of drinking.",
    "Two years sober and finally at peace with myself.",
    "He jumped on the train to Leeds for the conference.",
    "Kids jumped off the bridge into the river for fun all summer.",
    "He died by suicide in 2019. If you're struggling, Samaritans are there on 116 123.",
    "He died by suicide after years of struggle.",
    "She died of a heroin overdose last year; her family asked us to share her story.",
    "Naloxone can reverse a fatal dose of opioids.",
    "Pills laced with nitazenes are circulating: please test your drugs.",
    "Our suicide prevention walk raised £3,200 for the crisis line.",
    "The training led them to suicide prevention work.",
    "Recovery felt like the only way out of the chaos.",
    "Suicide is never the answer, and help is there.",
    "Her son killed himself over Christmas, and the family want people to talk.",
    "Rising suicides among young men are a national emergency, the MP said.",
    "He shot himself in the foot with that email.",
    "We're hanging the new banner outside the station on Friday.",
    "We walked over the bridge to the park after the meeting.",
    "She takes 12 tablets a day for her HIV, and she's doing well.",
    "If you feel suicide is the only way out, please call Samaritans on 116 123.",
    "We jumped off the harbour wall on a dare every summer.",
    "Railway workers say the level crossing is a magnet for litter.",
    "Nan passed away peacefully in her sleep at 96 and she's at rest now.",
    "She chose freedom from drink and has been sober nine years.",
    "We walked into the sea for the charity dip on Boxing Day, swimming costumes and all.",
    "The drug den was shut down by police last week.",
    "There were needles in the park again, so we called the council.",
    "Is the weather to blame for the late buses?",
    "Dad takes two bottles of wine a week to the quiz, to share.",
    # Look-alikes of the kinds above.
    "Two years sober: no more hangovers, no more lies.",
    "She was brave to ask for help, and she is doing well.",
    "The delay to the new ward was blamed on the weather.",
    "Drug checking alert: pills sold as MDMA have been found cut with nitazenes. Test before you take.",
    "War photographers saw body bags every day.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_it_leaves_everyday_words_and_safe_reporting_alone(text):
    assert safe_findings(text) == []


def test_method_detail_in_the_organisations_voice_is_an_error_and_framing_a_warning():
    assert safe_findings("He hanged himself in 2019.") == [("safe-method", "error", "hanged himself")]
    assert safe_findings("He jumped from the Humber bridge.")[0][:2] == ("safe-location", "error")
    assert safe_findings("A spate of suicides hit the town.") == [("safe-sensational", "warning", "spate of suicides")]


def test_a_storytellers_own_account_of_method_is_a_warning_never_an_error():
    story = "I took 40 paracetamol and woke up in hospital. That was six years ago."
    assert safe_findings(story, voice="storyteller") == [("safe-method-story", "warning", "I took 40 paracetamol")]
    assert safe_findings("I tried to hang myself when I was 19.", voice="storyteller") == [
        ("safe-method-story", "warning", "I tried to hang myself")]
    assert safe_findings("My brother jumped from the Erskine bridge.", voice="storyteller")[0][:2] == (
        "safe-location-story", "warning")
    for text, _ in KINDS:
        assert all(severity != "error" for _, severity, _ in safe_findings(text, voice="storyteller")), text


def test_a_storytellers_own_past_thoughts_are_theirs_and_shown_gently_as_info():
    assert safe_findings("I thought suicide was the only way out.", voice="storyteller") == [
        ("safe-solution", "info", "suicide was the only way out")]
    assert safe_findings("He thought suicide was the only way out.", voice="storyteller")[0][1] == "warning"


@pytest.mark.parametrize("text, rule_id", [
    ("Her sister told the paper: 'She's finally at peace now.' Kerry took her own life in May.", "safe-romanticising"),
    ("Police closed the path to the quarry, known as 'the suicide spot', after a third death.", "safe-sensational"),
    ("The inquest heard he had 'jumped from the Tyne Bridge' shortly after midnight.", "safe-location"),
])
def test_quoted_words_that_break_the_guidance_still_need_a_look(text, rule_id):
    # A quotation reaches a struggling reader all the same: only the language rules let quoted speech through.
    assert (rule_id, "info") not in {(rule, severity) for rule, severity, _ in safe_findings(text)}
    assert rule_id in {rule for rule, _, _ in safe_findings(text)}


def test_a_phrase_quoted_to_reject_it_is_still_not_a_use():
    assert safe_findings("Please stop calling Beachy Head a 'suicide spot'. It is a place people walk their dogs.") == []


def test_free_of_a_chore_is_not_free_of_a_life():
    assert safe_findings("Our chair steps down after nine years, in her words 'finally free of the minutes'.") == []


def test_a_storytellers_own_method_stays_a_warning_after_other_first_person_words():
    story = "The week after the funeral I gave up, and I swallowed every tablet in the house."
    assert ("safe-method-story", "warning") in {(rule, severity) for rule, severity, _ in
                                                safe_findings(story, voice="storyteller")}


def test_a_writer_who_answers_the_one_cause_with_more_gets_no_finding_from_the_rule():
    text = "People keep saying he killed himself because of the exams, and it's never that simple."
    # The word model may still ask a reviewer to look at the sentence as a whole; the rule names no cause.
    assert all(f.message.startswith(MODEL_NOTE) for f in check(text).findings if f.rule == "safe-single-cause")
    assert "safe-single-cause" in {rule for rule, _, _ in safe_findings("He killed himself because of the exams.")}


def test_a_hopeful_story_about_a_past_attempt_has_no_safe_finding():
    story = ("I tried to take my own life in 2015. I used to want to die; now I want to help. "
             "Today I run the men's group on Tuesdays, and if you're where I was, please talk to someone.")
    assert safe_findings(story, voice="storyteller") == []


def test_committed_suicide_keeps_its_own_finding_beside_a_place():
    findings = [(f.rule, f.text) for f in check("Her son committed suicide at Beachy Head.").findings]
    assert findings == [("committed-suicide", "committed suicide"), ("safe-location", "Beachy Head")]


def test_suicide_epidemic_gets_one_finding_from_its_labels_rule_not_two():
    findings = check("A suicide epidemic is sweeping rural Wales.").findings
    assert [f.rule for f in findings] == ["suicide-epidemic"]


def test_every_safe_rule_explains_itself_and_names_its_sources():
    assert set(SAFE) == {"safe-method", "safe-method-story", "safe-location", "safe-location-story",
                         "safe-sensational", "safe-romanticising", "safe-solution", "safe-single-cause"}
    for rule in SAFE.values():
        assert rule.severity in ("warning", "error"), rule.id
        assert "Samaritans media guidelines" in rule.source and "AFSP" in rule.source, rule.id
        assert rule.claim and rule.suggestions == (), rule.id  # no word swap removes a method or a cause
        assert 60 < len(rule.message) < 400 and rule.message.count(".") <= 4, rule.id  # plain and short
    assert "Adfam" in SAFE["safe-method"].source and "Scottish Families" in SAFE["safe-method"].source
    assert SAFE["safe-method"].voices == {"organisation"} and SAFE["safe-method-story"].voices == {"storyteller"}


def test_the_storyteller_messages_say_their_story_will_not_be_blocked():
    for rule_id in ("safe-method-story", "safe-location-story"):
        assert "won't be blocked" in SAFE[rule_id].message


def test_a_sensational_word_with_a_plain_alternative_offers_it():
    finding = check("A spate of suicides has shaken the town.").findings[0]
    assert finding.suggestions == ("number of suicides", "rise in suicides")


def test_every_safe_pattern_is_found_by_the_prefilter_not_searched_for_everywhere():
    for rule in SAFE.values():
        for trigger in rule.triggers:
            assert trigger.keys is not None, (rule.id, trigger.pattern.pattern[:80])


@pytest.mark.parametrize("voice", ["organisation", "storyteller"])
def test_the_quick_check_finds_what_the_plain_slow_check_finds(voice):
    for text in [text for text, _ in KINDS] + CLEAN:
        assert check(text, voice=voice) == check(text, voice=voice, shortcuts=False), text


def test_the_language_evaluation_sets_gain_safe_findings_only_where_a_death_is_put_down_to_one_cause():
    # The sets that label no safe-messaging rule (the fifth and later label them, and are scored with them);
    # "died by suicide after online bullying" is one by the care set's labels.
    found = {}
    for path in sorted(TESTS.glob("language_eval*.jsonl")):
        cases = load_cases(path)
        if any(rule.startswith("safe-") for case in cases for rule in case.expect | case.info):
            continue
        for case in cases:
            for rule, _, _ in safe_findings(case.text, voice=case.voice):
                found[(path.name, case.line)] = rule
    # "found together ... a suicide pact": the model hears how they were found beside the pact's own finding (2026-12-04).
    assert found == {("language_eval_2.jsonl", 434): "safe-single-cause", ("language_eval_2.jsonl", 435): "safe-single-cause",
                     ("language_eval_2.jsonl", 415): "safe-method"}


def test_check_json_shows_safe_findings_as_ordinary_findings(tmp_path):
    text = "He hanged himself. Papers called it a suicide hotspot."
    result = subprocess.run([sys.executable, "-m", "recovery_voice", "check", text, "--format", "json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [(f["rule"], f["severity"], f["text"]) for f in report["findings"]] == [
        ("safe-method", "error", "hanged himself"), ("safe-sensational", "warning", "suicide hotspot")]
    for finding in report["findings"]:
        assert {"rule", "severity", "start", "end", "text", "message", "suggestions", "source"} <= set(finding)
        assert text[finding["start"]:finding["end"]] == finding["text"]
        assert finding["fix"] is None and "Samaritans" in finding["source"]


# Kinds from the twelfth set's misses (2026-12-03), in words written for these tests.
@pytest.mark.parametrize("text, rule_id", [
    ("RIP big man, he took his own life at Flamborough Head on Friday.", "safe-location"),
    ("RIP our Dean, who went off the Ouseburn viaduct a year ago today.", "safe-location"),
    ("RIP Kai, too pure for this world, you're gone but never forgotten.", "safe-romanticising"),
    ("Soldier's final act of courage: he ended his war at last, says his mother after the inquest into his suicide.",
     "safe-romanticising"),
    ("Heroin ODs soar in what locals now call 'smack city', as two more are found dead.", "safe-sensational"),
    ("Read the heartbreaking letter the student left before taking her own life", "safe-sensational"),
    ("Since he took his own life I keep thinking if the council hadn't evicted him he'd still be here.", "safe-single-cause"),
])
def test_it_answers_places_frames_and_causes_said_in_other_words(text, rule_id):
    assert rule_id in {rule for rule, _, _ in safe_findings(text)}


@pytest.mark.parametrize("text", [
    "Our quiz took his own life... no, only his dignity. Ha! Thanks for coming, see you at the Red Lion.",
    "The councillor said she would no longer use the phrase 'zombie town' about the deaths in our city.",
    "We walked out at the Gap in Watsons Bay for the prevention walk and raised £2,000.",
])
def test_the_new_kinds_leave_jokes_refusals_and_prevention_walks_alone(text):
    found = {rule for rule, _, _ in safe_findings(text)}
    assert not found & {"safe-location", "safe-sensational", "safe-romanticising"}, found


# Kinds from the thirteenth set's misses (2026-12-04), in words written for these tests.
@pytest.mark.parametrize("text, voice, rule_id", [
    ("Sad news: a man died after a fall from the Wearmouth Bridge last night.", "organisation", "safe-location"),
    ("Northam Viaduct claims another young life, the third this winter", "organisation", "safe-location"),
    ("He died on the tracks at Hebburn, two weeks before his birthday.", "organisation", "safe-location"),
    ("our kid went off the Redheugh Bridge in the snow", "storyteller", "safe-location-story"),
    ("My cousin drowned hisself in the canal at Ancoats.", "storyteller", "safe-method-story"),
    ("Speedball of crack and heroin killed musician, inquest told", "organisation", "safe-method"),
    ("Dad found me in the garage with the engine running.", "storyteller", "safe-method-story"),
    ("Families fear the suicide corridor along the A9 after a fourth death", "organisation", "safe-sensational"),
    ("Teen's last messages published as police probe deadly craze", "organisation", "safe-sensational"),
    ("rip kez, ur free now, no more hurting x", "organisation", "safe-romanticising"),
    ("He took his own life in March. Brave to the end, his brother said.", "organisation", "safe-romanticising"),
    ("Man found hanging in flat after benefit sanctions", "organisation", "safe-single-cause"),
])
def test_it_answers_landmarks_slang_means_and_frames_said_in_other_words(text, voice, rule_id):
    assert rule_id in {finding.rule for finding in check(text, voice=voice).findings}


@pytest.mark.parametrize("text", [
    "Join our sponsored walk across the Wearmouth Bridge in memory of those we've lost. Samaritans 116 123.",
    "my phone died on the Millennium Bridge so I missed the bus lol",
    "Suicide prevention training is free this month at the Falls Road centre.",
    "The council is fitting higher barriers on the viaduct at Northam after campaigners asked.",
])
def test_the_landmark_and_freedom_kinds_leave_walks_dead_phones_and_free_courses_alone(text):
    assert not [f.rule for f in check(text).findings if f.rule.startswith("safe-")]


@pytest.mark.parametrize("text, rule_id", [
    ("Two cans of cider and a strip of pregabalin took our Jamie at 20.", "safe-method"),
    ("The gear that finished him was a bag cut with xylazine, his mum said.", "safe-method"),
    ("Another lad gone from the bridge this week. Police say a teen jumps there every winter and dies.", "safe-method"),
    ("RIP Sam, who took his own life with 50 paracetamol tablets in May.", "safe-method"),
])
def test_it_answers_drugs_taken_together_and_bare_jumps_beside_a_death(text, rule_id):
    assert rule_id in {finding.rule for finding in check(text).findings}


@pytest.mark.parametrize("text", [
    "Our bereavement group for families affected by drug and alcohol deaths meets on Mondays.",
    "Deaths involving both heroin and cocaine rose by 12% last year, the figures show.",
    "She jumped at the chance to run the memorial walk after her brother died.",
])
def test_named_drugs_and_jumps_leave_services_figures_and_idioms_alone(text):
    assert not [f.rule for f in check(text).findings if f.rule.startswith("safe-")]


@pytest.mark.parametrize("text, voice", [
    ("Walker's suicide plunge from Stanage Edge shocks village", "organisation"),
    ("The pensioner drowned herself in Loch Lomond, the inquest heard.", "organisation"),
    ("Our Kev took his ain life in the Tay last spring.", "storyteller"),
    ("Second jumper this year at Tintern, as the death toll rises", "organisation"),
])
def test_it_finds_a_named_place_a_few_words_after_the_act(text, voice):
    assert {f.rule for f in check(text, voice=voice).findings} & {"safe-location", "safe-location-story"}


@pytest.mark.parametrize("text, voice", [
    ("Men are more likely to die by suicide in the UK, and our group in Leeds is here for them.", "organisation"),
    ("We jumped off the pier at Tenby every summer as kids, freezing and brilliant.", "storyteller"),
    ("Mum died at Airedale Hospital in 2019 and the nurses were wonderful.", "organisation"),
    ("Our walk for everyone lost to suicide sets off from Heaton Park at 7pm.", "organisation"),
])
def test_a_place_after_a_fact_a_jump_for_fun_a_hospital_or_a_walk_is_not_where_someone_died(text, voice):
    assert not {f.rule for f in check(text, voice=voice).findings} & {"safe-location", "safe-location-story"}


@pytest.mark.parametrize("text", [
    "Three weeks after our brother took his own life we still don't know why. 'The council killed Ian,' his wife says.",
    "Sophie, 15, ended her life in May. The trolling got her in the end, her dad said.",
    "Apprentice took his life hours after failing his driving test",
    "Debt collectors' letters drove Swindon dad, 41, to end his life, says widow",
    "Teacher, 52, jumped to her death from Tamar Bridge after losing her job",
    "The 30-year-old strangled himself after abuse online, the inquest heard.",
])
def test_one_cause_is_found_in_the_next_sentence_close_in_time_or_after_an_age(text):
    assert "safe-single-cause" in {f.rule for f in check(text).findings}


@pytest.mark.parametrize("text, rule_id", [
    ("Jailed dad saw suicide as his only escape, court told", "safe-solution"),
    ("Friends said he could not see any other way out after the farm was sold, and he took his own life.", "safe-solution"),
    ("Nobody could reach him, so he found his own way to stop the hurting. We miss him.", "safe-solution"),
    ("She took her own life in June. She's out of her torment now, her mum wrote.", "safe-solution"),
    ("When he took his own life his mates said he'd finally found some peace.", "safe-romanticising"),
    ("RIP Jordan, who chose to go on his own terms. Fly high.", "safe-romanticising"),
    ("Since she ended her life people keep saying she was braver than all of us.", "safe-romanticising"),
    ("Gutted about Kai. He's at rest now, safe from the demons. Ending it was all he could see.", "safe-romanticising"),
])
def test_death_as_an_escape_or_a_rest_is_found_in_the_forms_news_and_tributes_use(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}


@pytest.mark.parametrize("text", [
    "Canal of despair: fourth body found near Blackburn lock",
    "Dealers turn Moss Side into a 'killing field' as overdoses reach eleven",
    "Killer crack batch leaves three dead in Stoke",
    "Suicides spreading through the sixth form like wildfire, parents warn",
    "Pill craze claims three more lives in Falkirk",
    "By March the hostel felt like a war zone, an overdose every night.",
])
def test_disaster_and_curse_words_for_deaths_are_sensational(text):
    assert "safe-sensational" in {f.rule for f in check(text).findings}


@pytest.mark.parametrize("text", [
    "The 44-year-old ended his life with a fistful of his wife's sleeping tablets, the coroner heard.",
    "Our Dean swallowed a whole packet o his da's sleepin tablets and never woke up.",
    "my cousin died last week, it was percs w fent they said",
    "Police said the student crushed and snorted three before he was found dead.",
    "The inquest heard he had smoked the powder off tin foil in a car park shortly before he died.",
    "Couple found dead in garage with engine running",
    "A man who died after he chucked himself in the Clyde off the Squinty Bridge has been named.",
])
def test_method_detail_in_street_words_dialect_and_headlines_is_found(text):
    assert {f.rule for f in check(text).findings} & {"safe-method", "safe-location"}


@pytest.mark.parametrize("text", [
    "A woman, 26, was found dead in the restroom of a Shell gas station on Dixie Highway, deputies said.",
    "Teen found behind the Hyde Road bus shelter died of an overdose, police confirmed.",
    "He overdosed in a stairwell of the Broad Street parkade and died in hospital.",
])
def test_a_public_spot_named_before_or_after_its_noun_is_where_someone_died(text):
    assert "safe-location" in {f.rule for f in check(text).findings}


@pytest.mark.parametrize("text", [
    "She ran the Shell petrol station on Hyde Road for twenty years and died peacefully last spring.",
    "The new bus shelter on Leeds Road is dedicated to our members who have died.",
    "Lifeboat crews entered the water after reports of a man in difficulty; he was brought ashore alive.",
    "After years of drinking, Dad finally found some peace in recovery before he died of cancer at 80.",
    "Join the Out of the Darkness walk for everyone lost to suicide.",
    "The pressure got too much for our volunteers during the flood, so we closed for a week.",
])
def test_workplaces_memorials_rescues_and_peace_in_recovery_are_not_safe_messaging_findings(text):
    assert not [f.rule for f in check(text).findings if f.rule.startswith("safe-")]


def test_a_storytellers_framing_of_someone_elses_death_stays_a_warning_and_their_own_stays_theirs():
    theirs = check("My brother killed himself in 2010. I've always said it was the debt that finished him.",
                   voice="storyteller")
    own = check("For years I believed dying would end my pain. Now I run the Tuesday group.", voice="storyteller")
    assert [f.severity for f in theirs.findings if f.rule == "safe-single-cause"] == ["warning"]
    assert [f.severity for f in own.findings if f.rule == "safe-solution"] == ["info"]


def test_an_age_between_commas_is_no_list_of_words_being_retired():
    found = check("Retired nurse, 64, leapt from Clifton Suspension Bridge after losing her pension")
    assert "safe-location" in {f.rule for f in found.findings}


@pytest.mark.parametrize("text, rule_id", [
    ("Father-of-three threw himself from Severn Bridge after row with wife", "safe-single-cause"),
    ("Hull builder's suicide a direct result of unpaid invoices, family say", "safe-single-cause"),
    ("My cousin took his own life in 2020. The factory killed him, nothing else.", "safe-single-cause"),
    ("Aunt Jo took her own life last spring. It was the debt, simple as.", "safe-single-cause"),
    ("Our Lee took his own life at 30. Me mam always said he'd put himself out of his misery.", "safe-solution"),
    ("Skye died by suicide on Friday. She'd been hurting for years, and at least now it's finished for her.", "safe-solution"),
    ("Funeral directors in Dundee say they can't keep up as overdoses rise again", "safe-sensational"),
    ("Bad heroin rips through Swansea: six dead in a fortnight", "safe-sensational"),
    ("A conveyor belt of coffins: another overdose death in Barrow", "safe-sensational"),
    ("SUICIDE SEASON: colleges braced for the spring term", "safe-sensational"),
])
def test_headline_causes_ends_of_suffering_and_funeral_imagery_are_found(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}


@pytest.mark.parametrize("text, rule_id", [
    ("A lad from our estate topped himself with his grandad's shotgun in March.", "safe-method"),
    ("Our Stevie done hisself in off the top of the Westgate car park.", "safe-location"),
    ("The night I was ready to end it I stood on the platform at Preston for the express train.", "safe-location"),
    ("Been ten years since my cousin ate his gun.", "safe-method"),
    ("He died from a gunshot wound he had inflicted on himself.", "safe-method"),
    ("Mum died by suicide. She'd tied a cord to the loft hatch.", "safe-method"),
    ("She took her own life in 2019, after she lit a charcoal barbecue in the caravan and shut the windows.", "safe-method"),
    ("Dad took his life. He knew how many of his sleeping tablets would be enough to do it.", "safe-method"),
    ("The toxicology report said he had injected around 2g of heroin before he died.", "safe-method"),
    ("He died after smoking a whole bag of monkey dust on his own.", "safe-method"),
])
def test_slang_acts_ligatures_charcoal_and_amounts_said_in_words_are_method_or_place(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}, check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("Jodie took her own life last year. She's sleeping peacefully now.", "safe-romanticising"),
    ("Two years since Aaron took his life. He chose to fly and we respect it.", "safe-romanticising"),
    ("RIP Dean, who took his own life. Somewhere nothing can hurt you now.", "safe-romanticising"),
    ("'Gone but free': tributes to a fisherman who took his own life", "safe-romanticising"),
    ("Teacher ended agony with leap after years of back pain", "safe-solution"),
    ("Suicide gave him the release he needed, his brother said.", "safe-solution"),
    ("Keith took his own life in May. Honestly, the closures killed him.", "safe-single-cause"),
    ("Debt blamed as father, 41, takes own life", "safe-single-cause"),
    ("Mandy took her own life to spare her kids the debts.", "safe-single-cause"),
    ("Cheap pills are turning Dundee into a morgue, a councillor said after the latest overdose deaths.", "safe-sensational"),
])
def test_rest_flight_release_one_cause_and_a_town_made_a_morgue_are_framings(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}, check(text).findings


@pytest.mark.parametrize("text", [
    "Four people were treated for carbon monoxide poisoning after a faulty boiler at a flat in Wigan; all are recovering.",
    "United finally ended the pain of a nine-game losing streak with a 2-1 win.",
    "Our spaniel swallowed a whole packet of ibuprofen last week and the vet says she'll be fine.",
    "Our old cat was put to sleep today. She's at peace now.",
    "Grandad tied a rope to the oak branch for the kids' swing.",
    "Nan passed away peacefully at 97. Free from pain now and back with Grandad.",
    "Please lock up your medication and keep it away from children.",
    "Kids were jumping off the pier at Saltburn all afternoon.",
    "Thinking of ending it with him. He still drinks.",
    "Our Walk of Remembrance leaves from the Humber Bridge car park at ten.",
])
def test_boilers_football_pets_swings_old_age_and_walks_are_not_safe_messaging_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("Our Kieran went up the Skirrid in the dark last winter and threw himself off the top.", "safe-location"),
    ("Tonight's vigil is for everyone we lost off the Humber Bridge this year.", "safe-location"),
    ("A body was recovered from the Ouse on Tuesday; police said the man had taken his own life.", "safe-location"),
    ("He took his own life in the spring. He'd driven to the coast and went over the edge of the cliff path.", "safe-location"),
    ("'The exams took my girl. That's all it was,' her mum said after she took her own life.", "safe-single-cause"),
    ("He died by suicide in 2019, the vicar said his struggle over at last.", "safe-romanticising"),
])
def test_named_heights_gone_up_bodies_recovered_and_a_struggle_over_are_found(text, rule_id):
    found = {f.rule for f in check(text).findings}
    assert rule_id in found or rule_id == "safe-romanticising" and "safe-solution" in found, check(text).findings


@pytest.mark.parametrize("text", [
    "The new crime drama opens with a car plunging off the cliffs at Beachy Head, all done with CGI.",
    "Our Walk of Remembrance sets off from the Clifton Suspension Bridge at ten; families bereaved by suicide are welcome.",
    "The bake-off was carnage and my sponge died a death in the oven.",
])
def test_fiction_a_remembrance_walk_and_a_bake_off_are_not_safe_messaging_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text", [
    "My brother died by suicide. He wasn't a coward and he didn't take the easy way out.",
    "Dad died of an overdose. I won't pretend he's in a better place.",
    "Families in Wigan say: stop calling our town a death trap.",
    "The new roundabout ends years of misery for drivers on the A49.",
    "Resit done! She has ended her misery at last, the maths GCSE is over.",
    "The quiz picture round was a bloodbath, sorry table four.",
    "Recovery feels like jumping off a cliff some days, but the group is the net.",
    "Our sponsored walk crosses the Tyne Bridge on Sunday for suicide prevention.",
])
def test_a_framing_denied_as_it_is_said_and_everyday_misery_bloodbaths_leaps_and_walks_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("People say he took the easy way out. He was ill and he needed help.", "safe-romanticising"),
    ("We mark the passing of Joe, who chose to end his pain last month.", "safe-solution"),
])
def test_a_framing_said_and_only_answered_later_or_beside_a_passing_is_still_found(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}, check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("A man has taken his life in the Tay, police say. His family have been told.", "safe-location"),
    ("Every spring I go to Crook Point, where she ended her life.", "safe-location"),
    ("Our Dee walked into the sea at Barmouth one March morning and never came home. She took her own life.", "safe-location"),
    ("'Killer fentanyl' claims second young life in Hull", "safe-sensational"),
    ("Overdose apocalypse: six more dead on the estate this month", "safe-sensational"),
    ("Student's final messages laid bare before he took his own life", "safe-sensational"),
    ("Shoppers' horror as man throws himself from the shopping centre roof", "safe-sensational"),
])
def test_named_rivers_a_place_where_someone_ended_their_life_killers_apocalypses_and_last_messages_are_found(text, rule_id):
    assert rule_id in {f.rule for f in check(text).findings}, check(text).findings


@pytest.mark.parametrize("text", [
    "Lifeboat crew rescue spaniel that leapt into the Severn after a stick.",
    "Zombie walk for Halloween this Saturday, a real apocalypse of fake blood.",
    "Her final hours at the hospice were peaceful, with Grandad holding her hand.",
    "Five people died in the East End over the weekend, where the rogue batch is circulating.",
])
def test_a_dog_in_a_river_a_halloween_apocalypse_a_hospice_and_a_district_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("Police said the man died by suicide when he jumped from the sixth floor of a parking garage.", "safe-location"),
    ("The 30-year-old died after stepping off a twelfth-floor balcony, police said.", "safe-location"),
    ("Fourth jumper this year at the Humber, and still no barriers.", "safe-method"),
])
def test_parking_garages_floors_balconies_stepped_off_and_a_counted_jumper_are_found(text, rule_id):
    found = {f.rule for f in check(text).findings}
    assert rule_id in found or {"safe-method", "safe-location"} & found, check(text).findings


@pytest.mark.parametrize("text", [
    "Christmas jumper day at the hub on Friday, wear your worst one!",
    "She stepped off the bus at the third stop and walked to the meeting.",
])
def test_a_christmas_jumper_and_a_bus_stop_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("RIP bro, gone at 23 from a bag laced with fent. Two bumps was all it took.", "safe-method"),
    ("The inquest heard she had searched how much of her father's sertraline would be fatal.", "safe-method"),
    ("He had saved up weeks of tablets before his attempt, and swallowed the lot.", "safe-method"),
    ("The coroner heard he crushed his mother's oxycodone tablets and snorted them.", "safe-method"),
    ("The coroner found she took her own life by injecting the contents of four pens.", "safe-method"),
    ("Man, 60, died on rocks at Porthcurno Beach, inquest hears.", "safe-location"),
    ("He drove out to the old quarry at Tor Hill, and that was where they found him.", "safe-location"),
    ("Locals now call the headland 'the Welsh Beachy Head' after three deaths this year.", "safe-sensational"),
    ("Suicide: county reels as spate of deaths follows the harvest.", "safe-sensational"),
    ("RIP Jaz, can't believe you took your own life. She said you had flown free at last.", "safe-romanticising"),
    ("'He's safe with his grandad now': family's tribute to son, 19, who died by suicide.", "safe-romanticising"),
    ("rip bro, you took your own life and the angels needed you more than we did.", "safe-romanticising"),
    ("ngl my cousin was so brave for killin himself, miss u.", "safe-romanticising"),
    ("Dad, 41, jumped from the bridge weeks after losing his job, inquest told.", "safe-single-cause"),
    ("Another lad took his life last week over the herd tests. Red tape is killing farmers.", "safe-single-cause"),
])
def test_amounts_enough_lethal_doses_looked_up_pills_all_taken_rocks_places_likened_and_heaven_taking_them_are_found(
        text, rule_id):
    assert rule_id in safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text", [
    "We watched seals on the rocks at Porthcurno Beach all afternoon.",
    "She's safe with her nan now while I'm in hospital for my op.",
    "Police confirmed the man died two days after his arrest; the inquest continues.",
    "The new crime drama opens with a car plunging off the cliffs at Beachy Head, all done with CGI.",
    "Two scoops was all it took to win the bake-off.",
])
def test_seals_a_child_with_her_nan_a_timeline_a_drama_and_a_bake_off_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("some days i still think dying would be the end of all this pain. anyway.", "safe-solution"),
    ("'The debts broke him. He saw no other way to make it stop,' his brother said after the suicide.", "safe-solution"),
    ("Please stop sharing the clip filmed on the Forth Road Bridge this morning. That was somebody's son.",
     "safe-location"),
])
def test_death_as_the_end_of_the_pain_no_other_way_seen_and_a_shared_clip_of_a_named_bridge_are_found(text, rule_id):
    assert rule_id in safe_warnings(text), check(text).findings


def test_a_storytellers_own_past_thought_that_dying_would_relieve_others_is_a_gentle_note():
    found = safe_findings("When I relapsed I told myself dying would be a relief for my mum. That voice lied.",
                          voice="storyteller")
    assert [severity for rule, severity, _ in found if rule == "safe-solution"] == ["info"]


@pytest.mark.parametrize("text, rule_id", [
    ("Rest easy Auntie Mo. The drink took you far too soon but you're dancing free now.", "safe-romanticising"),
    ("RIP Dan. He's with the sea now.", "safe-romanticising"),
    ("Xylazine epidemic leaves trail of corpses across Kensington", "safe-sensational"),
    ("Nitazene horror: two more dead in Birmingham this week", "safe-sensational"),
    ("He died from alcohol poisoning. 'When they shut the day centre, they signed his death certificate.'",
     "safe-single-cause"),
    ("Her body gave up on the drink in the end. The loneliness after Nana was what finished her.", "safe-single-cause"),
    ("She dropped a whole gram of crystal in one go and she died that night.", "safe-method"),
    ("'Suicide was his escape from years of pain,' says farmer's widow", "safe-solution"),
    ("He died by suicide in February. He wanted the hurting to stop and that was how he stopped it.", "safe-solution"),
    ("The veteran shot himself in the parking lot of the VA clinic on Tuesday.", "safe-location"),
])
def test_free_with_the_sea_horror_words_a_death_certificate_signed_a_whole_gram_and_an_escape_from_years_of_pain_are_found(
        text, rule_id):
    assert rule_id in safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text", [
    "pls dont take anything this wknd theres a bad batch going round, test your stuff",
    "We scattered his ashes at the beach last spring and walked home along the cliffs.",
])
def test_a_drug_warning_and_ashes_scattered_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text", [
    "Kelly's death-defying leap at the last fence at Punchestown, still can't believe she stayed on",
    "Divers plunged 27 metres from the cliffs of Inis Mor as the cliff diving world series returned.",
])
def test_a_leap_at_a_fence_and_cliff_diving_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text, rule_id", [
    ("He walked into the sea with his coat pockets full of stones and was found dead on Sunday.", "safe-method"),
    ("Paddy died in the car with the engine running, the inquest heard.", "safe-method"),
    ("Two capfuls of his nan's liquid morphine in a can of Monster. He was 16 and he never woke up.", "safe-method"),
    ("Officers believe she had injected a mix of fentanyl and xylazine. She died at the scene.", "safe-method"),
    ("Another young guy gone Friday after smoking benzo-dope off foil. Rest easy, Tommy.", "safe-method"),
    ("Dad took every tablet in the house the night he lost the mill job. He came through it.", "safe-method"),
    ("Our Joey put himself out of his misery, me nan said, after he died by suicide.", "safe-solution"),
])
def test_stones_an_engine_running_capfuls_a_mix_injected_foil_every_tablet_and_a_mercy_are_found(text, rule_id):
    assert rule_id in safe_warnings(text), check(text).findings


@pytest.mark.parametrize("text", [
    "I used to inject heroin every day; now I run the needle exchange on Mondays.",
    "We sat in the car with the engine running to warm up before the walk.",
])
def test_a_past_habit_told_as_recovery_and_a_warm_car_are_no_findings(text):
    assert not safe_warnings(text), check(text).findings
