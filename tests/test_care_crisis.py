"""care.crisis: whether a storyteller's words suggest they may be at risk now, and why."""

import pytest

from recovery_voice.care import assess
from recovery_voice.care import crisis
from recovery_voice.care.crisis import at_risk, concerns, reasons

THOUGHTS = [
    'honestly ready to end it all',
    "Tonight, if I went to sleep and didn't wake up, I wouldn't mind.",
    'I should have died that night, and some days I think about finishing the job.',
    "Can't stop thinking about ending things.",
    "I'm scared of what I might do to myself tonight.",
    "I've been self-harming again.",
    "Every day I wake up disappointed that I'm still alive.",
    "I'm thinking about jumping.",
    "I want to die.",
    "i just wanna die tbh",
    "Honestly I don't want to be here anymore.",
    "I'm going to kill myself tonight.",
    "im gonna end it all",
    "I keep thinking about ending my life.",
    "I feel suicidal again.",
    "I've been having suicidal thoughts every night this week.",
    "I wish I was dead.",
    "I wish I could go to sleep and never wake up.",
    "kms",
    "I dont want to wake up tomorrow.",
]

HOPELESS = [
    "Everyone says things improve. They haven't. They won't.",
    "There's no way back from here.",
    "I don't think I can keep going much longer.",
    "I'm losing the will to live.",
    'Why should I carry on?',
    'Everyone would be better off if I just disappeared.',
    "Everyone would be better off without me.",
    "I'm such a burden to my family.",
    "Nobody would even notice if I was gone.",
    "I can't go on like this.",
    "i cant do this anymore",
    "There's no point in living.",
    "Nothing will ever get better.",
    "My life isn't worth living.",
    "I have nothing left to live for.",
    "I can't see a way out.",
    "I'm done with life.",
    "I'm tired of living.",
]

MEANS = [
    "I'm parked outside the quarry and I can't make myself drive home.",
    "I've been looking up how many tablets it would take.",
    'I bought paracetamol from three different shops today.',
    "It's 4am and I've got a bottle of vodka and all my pills in front of me.",
    "I've been stockpiling my tablets.",
    "ive been saving up my meds",
    "I have enough pills saved to do it.",
    "I've written a note for my kids.",
    "I know exactly how I'm going to do it.",
    "I'm standing on the bridge right now.",
    "I've just taken all of my sleeping pills.",
    "I've picked a date to do it.",
]

UNSAFE = [
    "Using every day now, on my own, and I don't want anyone to find me.",
    "I'm going to use until I don't wake up.",
    "I don't care if I overdose.",
    "I'm using alone again and I don't care.",
    "I've been drinking myself to death.",
    "If I die, I die.",
    "I relapsed and honestly I don't care anymore.",
    "I've been mixing my benzos with vodka.",
]

GOODBYE = [
    "This is the last thing I'll write here.",
    "Don't worry about me after tonight.",
    "When I'm gone, please don't blame yourselves.",
    "I've made my peace and sorted my affairs.",
    "This is goodbye.",
    "Goodbye everyone. I love you all.",
    "By the time you read this I'll be gone.",
    "Please tell my kids I love them.",
    "Look after my dog when I'm gone.",
    "You won't have to worry about me much longer.",
]

PAST_AND_NOW = [
    "I've wanted to die for months.",
    'I have felt suicidal since my son died.',
    'I cut myself again last night.',
    'Today I stood on the bridge for an hour.',
    "I tried to kill myself in 2017 and I'm scared I'll try again this week.",
    "I tried to end it in 2019. I feel like that again now.",
    "Three years ago I attempted suicide, and the thoughts are back.",
    "I used to want to die. I'm back in that dark place again.",
    "Last night I took too many tablets.",
    "Years ago I was suicidal, but today I want to die again.",
]

PAST_TOLD_AS_RECOVERY = [
    "Back then I started saying it out loud: 'I don't want to be here.' That was the start of getting well.",
    'I had felt suicidal for years before I got help.',
    "I wanted to die for years, but now I'm happy.",
    'I was this close to ending it all. Then I called a helpline, and that call saved me.',
    "I've learned to sit with feelings that once made me want to die.",
    'At 16 I was convinced the world would be better without me.',
    "Three years ago I tried to end my life; today I run the Tuesday group.",
    "I used to want to die; now I want to help.",
    "When I was drinking I thought nobody would miss me.",
    "Back then I couldn't see a way out.",
    "I'll never forget the night I wanted to kill myself, and I'm so glad I'm still here.",
    "In 2015 I took an overdose. Today I'm five years clean.",
    "I used to think everyone would be better off without me.",
    "I remember thinking I can't go on, and now I help others.",
    "Before I got clean I wanted to die every day.",
    "At my lowest I was saving up pills.",
]

SOMEONE_ELSE = [
    'Men are three times more likely to commit suicide than women.',
    "Footballer's suicide note revealed: 'I'm sorry, I just can't do this anymore'",
    "My brother said he wanted to die.",
    "My friend told me she wanted to end it all.",
    "My son overdosed and died in 2020.",
    "He took his own life in 2012.",
    "She texted me 'I can't go on' and I drove straight round.",
]

HYPERBOLE = [
    "This rota is killing me.",
    "I'm dying to see you all at the walk!",
    "I'd rather die than miss the Christmas party lol.",
    "I hate myself for eating that whole cake haha.",
    "I could die of embarrassment.",
]

PREVENTION_WORK = [
    "We are walking 10 miles for suicide prevention.",
    "If you feel like you can't go on, call Samaritans on 116 123.",
    "Our training covers what to do when someone says they want to end their life.",
    "I know how it feels to want to disappear, so I volunteer on the helpline.",
]

WITH_SUPPORT = [
    "My head still tells me I'm a burden sometimes; I've learned to answer it back.",
    "I relapsed last month, but my sponsor and I are working on it.",
    "Mum died in March and I miss her every day, but the group has held me.",
    "Some days I can't cope, but I call my sponsor and get through it.",
    "Since Dad died I feel like I can't go on. My sister has been staying with me and it helps.",
]

NEGATED = [
    "I don't want to die.",
    "I no longer want to die.",
    "I'm not going to kill myself.",
    "I would never take my own life.",
]

EVERYDAY = [
    "I'm hopeless at quizzes but I'll be there on Friday.",
    'I think about death more than most, since losing friends.',
    "I know how I'm going to do it: one day at a time.",
    "I've got enough energy to do it all again next year.",
    "I'm looking forward to not being at work next week.",
    'I cut myself shaving this morning.',
    "I've got all my gear ready for the walk.",
    "I've given up alcohol for good.",
    "I'm done with the washing up.",
    "Goodbye everyone, see you next week!",
    "This is my last post as coordinator.",
    "I have the forms ready for the meeting.",
    "I've got my meds sorted with my GP.",
    "I have a plan for my recovery.",
    "I can't cope with the noise in the office.",
    "I take my meds every morning.",
    "It will get better, I promise.",
    "There's no hope of getting tickets now.",
    "I won't be here next week, I'm on holiday.",
    "By the time you read this, the walk will be over.",
    "I have nothing left to give at work today.",
    "I am grateful to be alive.",
    "Today I choose life.",
    "I wish I could disappear into a book for the whole of half-term.",
    "Nobody would notice if I disappeared to the allotment for an afternoon.",
    "I've said my goodbyes to the old drinking crowd and got a new phone.",
]


@pytest.mark.parametrize("text", THOUGHTS)
def test_it_hears_thoughts_of_ending_their_life_said_in_many_ways(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", HOPELESS)
def test_it_hears_hopelessness_in_the_present_tense(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", MEANS)
def test_it_hears_a_plan_or_the_means_at_hand(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", UNSAFE)
def test_it_hears_using_with_no_care_for_their_own_safety(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", GOODBYE)
def test_it_hears_a_goodbye(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", PAST_AND_NOW)
def test_a_past_crisis_that_is_back_now_or_happened_last_night_is_a_risk_now(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", PAST_TOLD_AS_RECOVERY)
def test_a_past_crisis_told_as_recovery_is_not_a_risk_now(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", SOMEONE_ELSE)
def test_someone_elses_words_or_death_are_not_the_writers_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", HYPERBOLE)
def test_hyperbole_is_not_a_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", PREVENTION_WORK)
def test_talk_of_suicide_prevention_work_is_not_a_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", WITH_SUPPORT)
def test_grief_or_a_relapse_told_with_support_is_not_a_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", NEGATED)
def test_a_negated_cue_is_not_a_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_words_that_look_like_cues_are_not_a_risk(text):
    assert not at_risk(text), reasons(text)


def test_reasons_name_the_kind_and_quote_only_the_sentences_that_worried_it():
    text = "I got clean in 2019 and I love the Tuesday group. But I can't do this anymore. Nobody would notice."
    assert reasons(text) == ['hopelessness now: "But I can\'t do this anymore."',
                             'hopelessness now: "Nobody would notice."']
    found = concerns(text)
    assert [c.kind for c in found] == ["hopeless", "hopeless"]
    assert text[found[0].start:found[0].end].strip() == "But I can't do this anymore."


def test_reasons_say_each_kind_in_its_own_words():
    assert reasons("I've been stockpiling my tablets.")[0].startswith("a plan or the means at hand: ")
    assert reasons("This is goodbye.")[0].startswith("saying goodbye: ")
    assert reasons("I want to die.")[0].startswith("thoughts of ending their life: ")


def test_a_long_sentence_is_quoted_shortened_in_a_reason():
    text = "I want to die " + "and everything is grey " * 30 + "."
    (reason,) = reasons(text)
    assert len(reason) < 300 and reason.endswith('\u2026"')


def test_there_are_no_reasons_for_a_story_that_is_not_at_risk():
    assert reasons("Three years ago I tried to end my life; today I run the Tuesday group.") == []
    assert reasons("") == [] and not at_risk("")


def test_one_sentence_in_the_middle_of_a_long_story_is_enough():
    calm = "I go to the Tuesday group and I make the tea, and my sponsor rings me on Sundays. " * 300
    assert not at_risk(calm + calm)
    assert at_risk(calm + "Tonight I just want to end it all. " + calm)
    (found,) = concerns(calm + "Tonight I just want to end it all. " + calm)
    assert found.sentence == "Tonight I just want to end it all."


def test_curly_quotes_and_capitals_read_like_straight_ones():
    assert at_risk("I DON\u2019T WANT TO BE HERE ANYMORE")
    assert at_risk("I can\u2019t go on.")


def test_a_text_that_is_not_a_string_is_refused_plainly():
    with pytest.raises(TypeError, match="str"):
        at_risk(None)


def test_assess_says_crisis_only_for_the_storyteller_voice():
    assert assess("I can't go on like this.", voice="storyteller")["crisis"] is True
    assert assess("I can't go on like this.", voice="organisation")["crisis"] is False
    assert assess("I used to want to die; now I want to help.", voice="storyteller")["crisis"] is False


def _brute_force_cues(text: str) -> list[tuple[int, int, str]]:
    """Every cue found by trying each cue at every word start, none inside another, as _cues promises."""
    rules = crisis._rules()
    low = crisis._lower(text)
    everything = crisis._probe(rules, tuple(range(len(rules.others))))
    found, covered = [], 0
    for start in range(len(low)):
        if start < covered or (start and (low[start - 1].isalpha() or low[start - 1] == "'")):
            continue
        match = crisis._writer_cue(rules, low, start, by_letter=False) if low.startswith(("i", "me"), start) else None
        match = match or everything.match(low, start)
        if match is not None:
            found.append((match.start(), match.end(), match.lastgroup))
            covered = match.end()
    return found


@pytest.mark.parametrize("text", [" ".join(THOUGHTS + HOPELESS + MEANS + UNSAFE + GOODBYE + PAST_AND_NOW),
                                  " ".join(PAST_TOLD_AS_RECOVERY + SOMEONE_ELSE + HYPERBOLE + EVERYDAY),
                                  "\n".join(PREVENTION_WORK + WITH_SUPPORT + NEGATED)])
def test_the_prefilter_never_loses_a_cue_that_trying_every_place_finds(text):
    rules = crisis._rules()
    fast = [(m.start(), m.end(), m.lastgroup) for m in crisis._cues(rules, crisis._lower(text))]
    assert fast == _brute_force_cues(text)
    assert len(fast) >= 4  # the texts are full of cues, so the comparison means something


# Kinds the held-out set (tests/care_crisis_holdout.jsonl) showed the cues lacked. Each is said here in
# other words than the held-out set's, so a test passes only when the kind is heard, not one sentence.
NOTES_AND_GOODBYES = [
    "Finished writing letters to everyone I love tonight.",
    "I've already written the letters.",
    "Said all my goodbyes.",
    "I'm going to be long gone before anyone sees this.",
    "What happens to my stuff when I'm gone?",
    "I've written everyone a letter.",
    "Left a note for my mum.",
    "Everything is sorted for after.",
    "Ready to go now.",
]
GIVING_THINGS_AWAY = [
    "Gave my guitar to my brother. Won't be needing it.",
    "Gave my cat to the lady next door, I won't need to feed her now.",
    "I've given away most of my stuff.",
]
A_PLAN_OR_THE_MEANS_SAID_INDIRECTLY = [
    "The plan's all set.",
    "I've got it all worked out.",
    "I've got everything I need here to make it stop.",
    "I keep thinking about my dad's tablets in the bathroom.",
    "I've been thinking of ways to end it.",
    "The river keeps calling me.",
    "I keep thinking about the express train that doesn't stop here.",
    "I keep thinking about how easy it would be to take the lot all at once.",
    "I've got the rest of what she was using.",
    "I know which day.",
    "There's enough in the cabinet to finish it.",
    "Nan's old tablets are still in the drawer and I keep looking at them.",
]
BURDEN = [
    "Everyone is better off without someone like me.",
    "My family are better off now.",
    "Honestly they're better off.",
    "They'd all be better off.",
]
DISAPPEARING_OR_JOINING_THE_DEAD = [
    "I just want to vanish.",
    "I want a bath and to disappear.",
    "Might as well join her.",
    "I want to be with my son again, wherever he is.",
]
INTRUSIVE_THOUGHTS_NOW = [
    "My brain keeps telling me just do it.",
    "The voices keep saying kill yourself.",
]
NO_TOMORROW = [
    "I can't see a future anymore.",
    "I don't see things ever getting better.",
    "No point in anything anymore.",
    "No tomorrow for me.",
]
SELF_HARM_GETTING_WORSE = [
    "Been self-harming every night.",
    "I want to cut deeper.",
    "The cuts are getting deeper.",
]
NO_CARE_FOR_THEIR_SAFETY = [
    "I honestly don't care anymore if something happens to me.",
    "Walked out into traffic without looking.",
    "Mixing the vodka with my sleeping tablets again.",
    "If I don't wake up, I don't wake up.",
    "Going to get as high as I can and see if I wake up.",
    "I don't care if I crash the car tonight.",
]
A_CALM_GOODBYE = [
    "Thanks for everything you did for me. You were all so kind to me.",
    "Thank you for everything. Don't worry about me.",
    "Thanks for everything guys, you've been good to me. Take care of each other.",
]
HELD_OR_SAID_IN_JEST = [
    "Wrote letters to my kids today for the first time in years.",
    "I want to disappear into a good book this weekend.",
    "I can't do this anymore, the commute I mean.",
    "Some days I feel like I can't go on. Yesterday was one. I rang my sponsor and we went for a walk.",
    "I don't want to die, I just want it to stop. I'm seeing my GP tomorrow.",
    "Some nights the thoughts say I'm a waste of space. I know those thoughts now.",
    "My mate died of an overdose last night. Going round to his mum's.",
    "It's five years since my overdose today.",
    "For about a year I lay awake thinking about ways to end it.",
    "The plan is sorted for Saturday's walk.",
    "I've got everything planned for Christmas.",
    "Everything's fine, don't worry about me! Thanks for everything you did on my first day.",
    "I gave my dog to my sister while I'm in rehab, she'll look after him.",
    "I want to be with her forever, she's the one.",
    "I'm going to join my mum at the gym.",
    "Handing in my notice, can't do this job anymore!",
    "Ready to go! 10k tomorrow.",
    "Left a note for my mum to say I'd be late.",
    "We've picked a date for the wedding.",
    "There's enough food to feed everyone.",
    "I know which day the bins go out.",
    "Thanks for everything, see you all next week.",
    "I didn't care whether I woke up, back when I was using. Now I do.",
]


@pytest.mark.parametrize("text", NOTES_AND_GOODBYES + GIVING_THINGS_AWAY + A_CALM_GOODBYE)
def test_it_hears_a_goodbye_said_without_the_word(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", A_PLAN_OR_THE_MEANS_SAID_INDIRECTLY)
def test_it_hears_a_plan_or_the_means_said_indirectly(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", BURDEN + NO_TOMORROW)
def test_it_hears_feeling_a_burden_and_seeing_no_tomorrow(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", DISAPPEARING_OR_JOINING_THE_DEAD + INTRUSIVE_THOUGHTS_NOW + SELF_HARM_GETTING_WORSE)
def test_it_hears_wanting_to_disappear_thoughts_telling_them_to_end_it_and_self_harm_getting_worse(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", NO_CARE_FOR_THEIR_SAFETY)
def test_it_hears_indifference_to_their_own_safety(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", HELD_OR_SAID_IN_JEST)
def test_a_hard_day_held_with_support_a_joke_or_someone_elses_death_is_not_a_risk(text):
    assert not at_risk(text), reasons(text)


def test_support_two_sentences_after_a_hard_day_still_eases_it_but_not_three():
    held = "Some days I'm tired of it all. Today was one. I went to group."
    too_late = "Some days I'm tired of it all. Today was one. It rained. I went to group."
    assert not at_risk(held)
    assert at_risk(too_late)


@pytest.mark.parametrize("text", [" ".join(NOTES_AND_GOODBYES + GIVING_THINGS_AWAY + A_PLAN_OR_THE_MEANS_SAID_INDIRECTLY
                                           + BURDEN + DISAPPEARING_OR_JOINING_THE_DEAD + INTRUSIVE_THOUGHTS_NOW),
                                  " ".join(NO_TOMORROW + SELF_HARM_GETTING_WORSE + NO_CARE_FOR_THEIR_SAFETY + A_CALM_GOODBYE
                                           + HELD_OR_SAID_IN_JEST)])
def test_the_prefilter_never_loses_one_of_the_new_cues(text):
    rules = crisis._rules()
    fast = [(m.start(), m.end(), m.lastgroup) for m in crisis._cues(rules, crisis._lower(text))]
    assert fast == _brute_force_cues(text)
    assert len(fast) >= 10


def test_what_parsing_the_cues_tells_is_kept_in_the_cache_and_read_back_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert not crisis._derived().hit
    fresh = crisis._rules.__wrapped__()
    assert (tmp_path / "recovery-voice" / crisis.CACHE_FILE).stat().st_size > 1000
    assert crisis._derived().hit
    again = crisis._rules.__wrapped__()
    assert (again.bodies, again.by_key.own, again.finder.pattern) == (fresh.bodies, fresh.by_key.own, fresh.finder.pattern)


def test_a_cache_written_for_other_cues_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    crisis._rules.__wrapped__()
    kept = tmp_path / "recovery-voice" / crisis.CACHE_FILE
    kept.write_bytes(b"not a cache")
    assert not crisis._derived().hit
    assert crisis._rules.__wrapped__().by_key.own == crisis._rules().by_key.own


# Kinds the eighth held-out set showed missing (2026-12-03), each in other words than the set's.
NOT_PLANNING_TO_BE_AROUND = [
    "Truth is I don't plan on being around much longer.",
    "I don't expect to be here by Christmas and I've made my peace with that.",
]
A_DATE_CHOSEN_THEN_CALM = [
    "I've chosen the day. I feel strangely calm.",
    "Set a date and honestly feel lighter than I have in years.",
]
BETTER_OFF_ONCE_GONE = [
    "Yous will all be better off once I'm gone.",
    "It would be kinder for the kids if I just wasn't around.",
    "Can't face another winter like this.",
]
BACK_TO_THE_PLACE_NOW = [
    "I've been going back to the old viaduct most nights.",
    "Lately I've stood on the motorway bridge three times this week.",
    "This time I don't think I'll climb back down.",
    "Last night I wanted it all to be over and I was gutted when it wasn't.",
]
MEANS_KEPT_FOR_A_DECISION = [
    "Got a box of tablets put away for when I finally decide.",
]
A_GOODBYE_WITH_AN_APOLOGY = [
    "Goodbye to the Friday lot. I'm sorry I wasn't strong enough.",
]
THE_SAME_WORDS_ABOUT_EVERYDAY_THINGS = [
    "I'm so tired of living out of boxes, the new flat can't come soon enough.",
    "I don't plan to be around for the AGM, I'm at my sister's.",
    "I told my son I'm sorry I wasn't a better dad, and we're rebuilding.",
    "Saving up for when I'm ready to buy a van.",
    "I walked down to the pier twice this week for chips.",
    "I've said my goodbyes to the staff on the ward, home on Friday!",
]
# The word model may still read these as a risk ("no point" weighs heavily in it); no cue does.
NO_CUE_HEARS = [
    "There's no point in me phoning the surgery, they never answer.",
    "No point in me waiting for the bus, I'll walk.",
]


@pytest.mark.parametrize("text", NOT_PLANNING_TO_BE_AROUND + A_DATE_CHOSEN_THEN_CALM + BETTER_OFF_ONCE_GONE
                         + BACK_TO_THE_PLACE_NOW + MEANS_KEPT_FOR_A_DECISION + A_GOODBYE_WITH_AN_APOLOGY)
def test_a_cue_hears_no_plan_to_be_around_a_calm_chosen_date_others_better_off_a_place_gone_back_to_and_means_kept(text):
    assert any(concern.kind != crisis.MODEL_KIND for concern in crisis.concerns(text)), text


@pytest.mark.parametrize("text", THE_SAME_WORDS_ABOUT_EVERYDAY_THINGS)
def test_the_same_words_about_everyday_things_are_not_a_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", NO_CUE_HEARS)
def test_no_point_in_me_doing_an_everyday_thing_is_no_cue(text):
    assert all(concern.kind == crisis.MODEL_KIND for concern in crisis.concerns(text)), reasons(text)


# Kinds from the thirteenth set's misses (2026-12-03), in words written for these tests.
@pytest.mark.parametrize("text", [
    "Saturday it is. I've chosen Saturday because the neighbours are away and nobody will call.",
    "Been to four different chemists this week for paracetamol so no one would notice.",
    "I've got sixty of my dad's old tramadol in a shoebox, kept them when he passed. Not decided anything.",
    "I keep walking right up to the edge of the bridge on my way home. A bit further each time.",
    "Honestly I'm a waste of space these days and there's nothing ahead for me.",
    "After Friday none of you will have to worry about me ever again.",
    "Writing this now because I won't get the chance to thank you all properly. You were my family.",
])
def test_it_hears_a_chosen_day_means_gathered_quietly_the_edge_worthlessness_and_a_last_thank_you(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", [
    "I've chosen Saturday for the sponsored walk because nobody's working that day.",
    "Went to three chemists for Calpol for the baby, nobody had any in.",
    "I used to feel like a waste of space. Four years sober, I run the Tuesday group now.",
])
def test_the_same_words_about_errands_walks_and_a_past_told_as_recovery_are_no_risk(text):
    assert not at_risk(text)


# Kinds from the fourteenth set (2026-12-04), in words written for these tests.
@pytest.mark.parametrize("text", [
    "Booking a room at the Travelodge tonight so nobody I know is around when I score.",
    "I honestly don't care if anyone finds me this time.",
    "Bills paid, got the note written, got the spot picked. Just Friday to get through.",
    "Merry Christmas all. I'm not planning on seeing the next one though.",
    "I'd end it tonight if I had the tablets here. I'm not joking.",
])
def test_it_hears_using_where_nobody_finds_a_plan_made_no_next_year_and_means_wished_for(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", [
    "Night shift done, going to sleep and I hope I don't wake up till two.",
    "I'm at the end of my rope with this housing office, third letter this month.",
    "I want to die old and cranky in a bungalow by the sea, with a dog.",
    "I've written letters to everyone I hurt, step nine, and posted them today.",
    "I've put my affairs in order, which at seventy-five is only sensible, and booked a cruise.",
    "Three years ago tonight I was in A&E after an overdose. Tonight I'm at my daughter's play.",
])
def test_a_lie_in_a_landlord_dying_old_amends_a_will_and_an_anniversary_are_no_risk(text):
    assert not at_risk(text)


@pytest.mark.parametrize("text", [
    "Tried to end it in 2019 and got through it. Sorry to say it's back, every night this week.",
    "Five years since the overdose. The wish to die is back and it's stronger.",
    "Last spring I wanted to die. This month that same awful feeling has come back.",
    "Texted my sponsor at midnight because I wanted to die. It's two now and I still do.",
    "Every morning I think today might be the day I finally do it.",
    "Got thirty of my husband's old tablets in the kitchen drawer, kept them back.",
])
def test_it_hears_a_past_crisis_returning_a_wish_still_held_and_means_kept(text):
    assert at_risk(text)


def test_a_past_attempt_told_without_its_i_and_a_recovery_since_is_no_risk():
    assert not at_risk("Tried to end it in 2012. These days I coach the under-nines on a Saturday and love it.")


@pytest.mark.parametrize("text", [
    "picked up a rope from the hardware shop on the way home. it's under the stairs.",
    "Sleeping pills stashed at the back of the bathroom cabinet. Thirty of them so far.",
    "Been looking up which car park in town is tallest. Not for the view.",
    "I spend my evenings reading the timetable for the express trains that don't stop here.",
    "Got a one-way coach ticket down to the cliffs for Saturday. I won't need a return.",
    "Sat in the car at Beachy Head since six. Haven't rung anyone.",
])
def test_it_hears_means_got_and_counted_a_high_place_or_fast_train_looked_for_and_no_return(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", [
    "Picked up a rope from the hardware shop for the new swing in the garden.",
    "Checked which bridge is open this weekend for the fun run, Tyne Bridge is shut.",
    "One-way ticket to Glasgow booked, the new job starts Monday and Mum's driving my stuff up.",
    "Walked the cliffs at Beachy Head with the Sunday group, eight miles and a cream tea after.",
])
def test_a_swing_a_fun_run_a_move_and_a_walk_are_no_risk(text):
    assert not at_risk(text)


@pytest.mark.parametrize("text", [
    "Tonight is my last night at the Wednesday group. I'm moving to Leeds for a new job on the trams, so this is goodbye to all of you, and thank you.",
    "This is the final post I'll write about my mum's drinking. Next time I'll tell you about the allotment.",
    "Our counsellor asked us to write a letter to ourselves to be opened in a year. 'Dear me, by the time you read this I hope you've gone back to college.'",
])
def test_a_goodbye_beside_the_writers_own_plans_is_a_move_not_a_farewell(text):
    assert not at_risk(text)


@pytest.mark.parametrize("text", [
    "This is goodbye to all of you. I can't do this anymore.",
    "I'm moving to a better place soon. So this is goodbye to all of you.",
    "I feel like everyone would be better off without me.",
])
def test_a_goodbye_without_plans_and_a_burden_said_of_everyone_stay_a_risk(text):
    assert at_risk(text)


@pytest.mark.parametrize("text", [
    "I feel dead inside on Mondays like everyone. Coffee fixes it. Two years sober.",
    "City lost again and I don't care anymore, they'll be the death of me. Watching with lemonade now.",
])
def test_feelings_shared_with_everyone_and_a_team_that_will_be_the_death_of_me_are_figures_of_speech(text):
    assert not at_risk(text)


@pytest.mark.parametrize("text", [
    "Took the dog round to my sister's with her lead and bowl. Told her it's only while I'm busy at work. It isn't.",
    "Put my bank details and my phone code in an envelope for our Lisa. She'll need them soon.",
    "She deserves an owner who'll be around a lot longer than I'm going to be.",
    "Nothing after this week worth planning for.",
    "Rope's in the shed. Been out to look at it again tonight.",
    "Still think about ending it most nights, even with the meetings.",
    "Ah'm away doon tae the river the night.",
    "Sat at the edge of the quarry again last night, working up to it.",
    "Every morning I'm sick I woke up.",
    "Can't see myself still being here at Easter.",
    "Once I'm not here, please give my books to the Tuesday group.",
    "Left the front door unlocked for whoever comes in the morning.",
    "The safety plan isn't holding like it did.",
])
def test_cover_stories_hints_means_checked_and_quiet_goodbyes_are_a_risk_now(text):
    assert at_risk(text), text


@pytest.mark.parametrize("text", [
    "I'm done. Not with life, with the drink. Rang the alcohol team this morning.",
    "I'm done. Handed my notice in at the warehouse and I start the peer mentor course on Monday.",
    "Thinking of ending it with my girlfriend, she's still using.",
    "Wild swimming in January, which is obviously a slower way to kill myself. Love it.",
    "Dear Buckfast, this is goodbye. You can stay on the shelf at the Spar.",
    "A lad in my group said he'd been stockpiling his meds, so I told the worker and he's getting help.",
    "Got my tablets lined up in the dosette box for the week. Managing my own meds again.",
    "Can't see me still being here by Easter, I've got the transfer to the Cardiff office!",
    "Last post from me for a while, off to Spain on a working visa. Goodbye for now, everyone.",
])
def test_quitting_the_drink_a_break_up_a_joke_a_letter_to_a_drink_and_a_move_are_no_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", [
    "Been saving my tablets instead of taking them. Nearly a month's worth now.",
    "Told the dog rescue I'm going to live with my daughter. I'm not.",
    "The cat will need someone who'll be there for her next month, and that won't be me.",
    "Left my keys and bank cards with my sister tonight. She doesn't know why yet.",
    "I've written the boys cards for their next five birthdays, just in case.",
])
def test_medication_kept_back_a_cover_story_about_oneself_keys_handed_over_and_cards_for_later_are_a_risk_now(text):
    assert at_risk(text), text


@pytest.mark.parametrize("text", [
    "If I have to sit through one more fire drill at work I will walk into the sea. Love you all really.",
    "Told the rescue I'm moving to Leeds for work. I am, and I start Monday!",
    "I've written Mum a card for her birthday next week, just in case the post is slow.",
    "My sister doesn't know why yet, but I've booked us a surprise weekend in York.",
])
def test_a_chore_joked_about_a_true_move_a_card_in_good_time_and_a_surprise_are_no_risk(text):
    assert not at_risk(text), reasons(text)


@pytest.mark.parametrize("text", [
    "its 2am and im up again. not dark stuff, just my brain replaying the job interview over and over",
    "I've given up on the gym. Not on me. Back to the swimming baths next week with my sister.",
])
def test_a_writer_saying_plainly_it_is_nothing_dark_is_no_risk_where_no_cue_speaks(text):
    assert not at_risk(text), reasons(text)


def test_saying_it_is_nothing_dark_does_not_outweigh_a_cue():
    assert at_risk("Not dark stuff, honestly. I just don't want to be here anymore.")


@pytest.mark.parametrize("text", [
    "22 a day, they say. Figure I'll be one of them by Christmas.",
    "It's a relief to have it decided. Thanks for always asking.",
    "I've been seeing people one last time without telling them that's what it is.",
    "baby deserves better than me. ive written her a letter for when shes older",
    "Yeah fine. Sorted everything now. Thanks for being a good worker to me.",
    "I've stopped believing there's an after that has me in it.",
    "When I picture his first birthday I can see the cake and my mum, and not me.",
    "You stop picturing next year. There's nothing there when you look. That's me lately.",
])
def test_counting_oneself_among_the_dead_last_visits_letters_for_later_and_no_future_with_me_in_it_are_a_risk_now(text):
    assert at_risk(text), text


@pytest.mark.parametrize("text", [
    "That winter on remand was the worst of my life. I'd picked the night. A Listener talked me round, and I've been "
    "clean since 2019.",
    "Off to Skye for ten days with a tent. If the midges get me, tell my mum I loved her.",
    "I am done with this life, the life of drinking every night and fighting with my wife. Now is new life.",
    "Deleting Facebook tonight. Goodbye all, find me at the Tuesday meeting.",
    "Some weeks I'm sick of everything, the noise, the forms, the housing list that never moves.",
    "Our choir does Ol' Man River. Tired of living and scared of dying, I sing, and Maureen cries every week.",
])
def test_a_plan_in_the_past_perfect_a_joke_a_life_named_after_the_comma_a_meeting_a_list_and_a_lyric_are_no_risk(text):
    assert not at_risk(text), reasons(text)
