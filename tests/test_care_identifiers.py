"""The identifier check: what in a story could identify the storyteller or other people, and its redactions."""

import subprocess
import sys

import pytest

from recovery_voice.care import assess
from recovery_voice.care.identifiers import KINDS, Identifier, fellowship_note, find, redact


def found(text, **how):
    """Return (kind, words) for each identifier found in the text."""
    return [(i.kind, i.text) for i in find(text, **how)]


def found_as(kind, text, **how):
    """Return the words of each identifier of one kind found in the text."""
    return [i.text for i in find(text, **how) if i.kind == kind]


def kinds(text, **how):
    """Return the kinds found in the text, in order."""
    return [i.kind for i in find(text, **how)]


# Phone numbers and emails

@pytest.mark.parametrize("text, number", [
    ("Ring me on 07700 900123 any time.", "07700 900123"),
    ("My landline was 0113 496 0000.", "0113 496 0000"),
    ("Text 07123456789 if you want a chat.", "07123456789"),
    ("Call +44 7700 900123 from abroad.", "+44 7700 900123"),
    ("My cousin in Paris is on +33 6 12 34 56 78.", "+33 6 12 34 56 78"),
    ("Back home in Sydney it was +61 412 345 678.", "+61 412 345 678"),
])
def test_it_finds_phone_numbers_of_any_country(text, number):
    assert ("phone", number) in found(text)


def test_two_numbers_with_only_a_space_between_are_both_found():
    assert found("My numbers were 07700 900123 07700 900456.") == [("phone", "07700 900123"), ("phone", "07700 900456")]


def test_it_reads_a_number_without_a_country_code_as_from_the_organisations_region():
    assert ("phone", "(555) 123-4567") in found("Call me at (555) 123-4567.", region="us")
    assert ("phone", "555-123-4567") in found("My cell is 555-123-4567.", region="us")


@pytest.mark.parametrize("text", [
    "Samaritans are there on 116 123, free.",
    "Call or text 988 any time.",
    "We raised £12,500 in 2019-2020 and 1,250 people came.",
    "I have 365 days today, Day 365, and I am on Step 4.",
    "Doors open at 18:30 on 12/03/2024.",
])
def test_it_does_not_take_helplines_amounts_counts_dates_or_times_for_phone_numbers(text):
    assert "phone" not in kinds(text)


def test_it_finds_email_addresses_but_not_handles():
    assert found("Email jo.bloggs+recovery@mail.co.uk or find me as @jo_recovers.") == [
        ("email", "jo.bloggs+recovery@mail.co.uk")]


# Addresses and postcodes

@pytest.mark.parametrize("text, address", [
    ("I lived at 12 Elm Street for years.", "12 Elm Street"),
    ("Flat 3, 27 Acacia Avenue was my first home in recovery.", "Flat 3, 27 Acacia Avenue"),
    ("We were at 1600 Pennsylvania Avenue NW for a day.", "1600 Pennsylvania Avenue NW"),
    ("i live at 4 acacia road now.", "4 acacia road"),
    ("Our house at 45 North Oak Drive had a red door.", "45 North Oak Drive"),
])
def test_it_finds_street_addresses_with_a_house_number(text, address):
    assert ("address", address) in found(text)


def test_it_does_not_take_a_count_before_a_road_for_an_address():
    assert kinds("I walked 5 miles down the road and 3 more up the hill.") == []


@pytest.mark.parametrize("text, code", [
    ("We lived at LS6 2AB back then.", "LS6 2AB"),
    ("The postcode was SW1A 1AA.", "SW1A 1AA"),
    ("I grew up in E17 and never left.", "E17"),
    ("Everyone in the M14 area knew me.", "M14"),
])
def test_it_finds_uk_postcodes_full_or_the_outward_part_said_as_an_area(text, code):
    assert ("postcode", code) in found(text)


def test_it_finds_zip_codes_after_a_state_or_the_word_zip():
    assert ("postcode", "62704") in found("We moved to Springfield, IL 62704 in the spring.", region="us")
    assert ("postcode", "90210") in found("My old zip code was 90210.", region="us")
    assert "postcode" not in kinds("We raised 25000 dollars for 12345 reasons.", region="us")


@pytest.mark.parametrize("text", ["I take vitamin B12 now.", "We drove up the M1 for hours.", "Seat A12, row B."])
def test_it_does_not_take_a_road_a_vitamin_or_a_seat_for_a_postcode(text):
    assert "postcode" not in kinds(text)


# Dates of birth

@pytest.mark.parametrize("text, date", [
    ("I was born on 3 March 1985 in a snowstorm.", "on 3 March 1985"),
    ("I was born on the 4th of July, 1990.", "on the 4th of July, 1990"),
    ("My birthday is 12/04/1990 and I am proud of it.", "12/04/1990"),
    ("DOB: 1st Jan 1970.", "1st Jan 1970"),
    ("My daughter was born March 3, 2010.", "March 3, 2010"),
])
def test_it_finds_a_date_of_birth_with_its_day(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text, date", [
    ("Gary Flint, b. 14/2/79, Wrexham.", "14/2/79"),
    ("b. Oct 3 '71 in Toledo and raised on the east side.", "Oct 3 '71"),
    ("I was born on Burns Night 1988, so haggis every birthday.", "on Burns Night 1988"),
    ("born Christmas Eve 1992 and my mam never let me forget it", "Christmas Eve 1992"),
    ("Our Leah is 7 today!! 11th August, best day of my life", "11th August"),
    ("Dad, you'd be 70 today, 2 November. Still sober for you.", "2 November"),
    ("My nan is 90 years young on June 5th and she's coming to the cafe.", "June 5th"),
    ("Halloween is my actual birthday, which explains a lot.", "Halloween"),
    ("bday 14th feb, yes really", "14th feb"),
])
def test_it_finds_a_birth_date_said_with_an_age_a_named_day_or_a_short_form(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text, date", [
    ("Ah wis born in Paisley on the 9th o May 1972, an ah worked the yards.", "on the 9th o May 1972"),
    ("I was born on the hottest day of 1983, August 4th, in a caravan.", "August 4th"),
    ("It was my brother's birthday, 21st June, when the police came.", "21st June"),
    ("Our Kayleigh turns 16 on Friday the 3rd of May and wants a party.", "the 3rd of May"),
    ("My nephew was born on Mardi Gras day 2001, right in the parade.", "on Mardi Gras day 2001"),
])
def test_it_finds_a_birth_date_later_in_the_cues_clause(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text, date", [
    ("We were born on St Patrick's Day, the 17th of March, twins.", "17th of March"),
    ("Mam's birthday was the 8th of December, the Feast of the Immaculate Conception.", "Feast of the Immaculate Conception"),
])
def test_it_finds_a_birth_date_said_twice_over(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text, date", [
    ("Ges i fy ngeni yng Nghaerdydd ar 12 Hydref 1979.", "12 Hydref 1979"),
    ("Mi hija nació el 3 de agosto de 2015 and she is my reason.", "3 de agosto de 2015"),
    ("Born 6 de junio 2014, my boy is my whole world.", "6 de junio 2014"),
    ("Urodziłam się 3 lutego 1990 w Poznaniu, and I came to Luton at 19.", "3 lutego 1990"),
])
def test_it_finds_a_birth_date_in_welsh_spanish_and_polish(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text", [
    "I was born in Leeds, got sober on 4 May 2010.",
    "I was born in Wigan and on 2 June 1999 I walked into my first meeting.",
    "Born and raised in Hull. Clean since 14 February 2019.",
    "I spent my birthday in a cell; on 3 March I was released.",
])
def test_it_does_not_take_a_date_after_the_birth_clause_for_a_birth_date(text):
    assert "date-of-birth" not in kinds(text)


@pytest.mark.parametrize("text", [
    "We meet at 10 on 5 May in the hall.",
    "Day 40 today, 3/4 of the way to my goal.",
    "Born on the Fourth of July is on telly tonight.",
    "There were 12 on 3 June and 20 last week.",
])
def test_it_does_not_take_a_time_a_count_or_a_film_for_a_birth_date(text):
    assert "date-of-birth" not in kinds(text)


@pytest.mark.parametrize("text", [
    "My recovery birthday is 3 March and I will have a cake.",
    "I was born in 1985 and got sober in 2015.",
    "We meet on 3 March 2025 at the hall.",
    "Happy 5th birthday in recovery, 12 May.",
])
def test_it_does_not_take_a_recovery_birthday_a_year_alone_or_another_date_for_a_birth_date(text):
    assert "date-of-birth" not in kinds(text)


# People

@pytest.mark.parametrize("text, words", [
    ("My sponsor Dave rang me every night.", "sponsor Dave"),
    ("Dr Patel listened to me.", "Dr Patel"),
    ("Mrs O'Brien next door made me tea.", "Mrs O'Brien"),
    ("Yesterday Sarah Jones told me she was proud.", "Sarah Jones"),
    ("A lad called Kyle came to the meeting.", "Kyle"),
    ("I rang dave at 3am.", "dave"),
    ("My friend Grace said I could do it.", "friend Grace"),
    ("My son Kyle's school sent a card.", "son Kyle"),
])
def test_it_finds_the_names_of_other_people(text, words):
    assert ("person", words) in found(text)


@pytest.mark.parametrize("text, words", [
    ("I rang Nia the next morning.", "Nia"), ("Then Kwame said he would come with me.", "Kwame"),
    ("Kev from the hostel lent me his phone.", "Kev"),
])
def test_a_name_in_no_list_is_found_where_only_a_person_fits(text, words):
    assert ("person", words) in found(text)


@pytest.mark.parametrize("text", ["Tesco said no.", "Doctors said I would not make it.", "Somebody said it gets better."])
def test_shops_plurals_and_pronouns_before_said_are_not_names(text):
    assert "person" not in kinds(text)


@pytest.mark.parametrize("text", [
    "Grace helped me through.",
    "By the Grace of God I am here.",
    "In May I went back to the meeting.",
    "Will you come with me?",
    "Hope is what I found.",
    "Reading helped me most.",
    "May God bless you all.",
])
def test_words_that_are_also_names_are_not_names_without_a_sign(text):
    assert "person" not in kinds(text)


# Places and workplaces

@pytest.mark.parametrize("text, words", [
    ("I grew up in Hackney.", "Hackney"),
    ("Leeds was where I drank.", "Leeds"),
    ("I moved to Reading last year.", "Reading"),
    ("We met at the Red Lion pub.", "the Red Lion pub"),
    ("The meeting is in St Mary's church hall.", "St Mary's church hall"),
    ("I spent a year in HMP Wandsworth.", "HMP Wandsworth"),
    ("They took me to Leeds General Infirmary.", "Leeds General Infirmary"),
    ("We lived on Elm Street.", "Elm Street"),
])
def test_it_finds_named_places_below_the_country(text, words):
    assert ("place", words) in found(text)


@pytest.mark.parametrize("text, words", [
    ("Andy, Irvine. My brother is still out there.", "Irvine"),
    ("Lisa K, Cumnock. Happy to talk to any mums.", "Cumnock"),
    ("Stacey, 36, Seacroft. My kids are at school.", "Seacroft"),
    ("Thanks for reading.\nCraig Lennox, Castlemilk", "Castlemilk"),
])
def test_the_town_a_storyteller_signs_off_with_is_a_place(text, words):
    assert ("place", words) in found(text)


@pytest.mark.parametrize("text", ["Thanks, Everyone.", "Sam, Mum and Dad came too.", "Honestly, Recovery is hard."])
def test_a_comma_after_a_word_that_is_no_first_name_signs_nothing_off(text):
    assert "place" not in kinds(text)


@pytest.mark.parametrize("text", [
    "In March I went back.", "I found hope in Recovery.", "I live near the High Street.", "I was in England then.",
    "We were in Step 4 together.", "I had a bath and went to bed.",
])
def test_months_recovery_countries_and_the_high_street_are_not_places(text):
    assert "place" not in kinds(text)


@pytest.mark.parametrize("text, words", [
    ("I work at Greggs now.", "Greggs"),
    ("My wife works for Leeds City Council.", "Leeds City Council"),
    ("I'm a nurse at St Thomas' Hospital.", "St Thomas' Hospital"),
    ("He worked for the NHS for years.", "the NHS"),
])
def test_it_finds_a_named_workplace_said_about_someone_working_there(text, words):
    assert ("workplace", words) in found(text)


@pytest.mark.parametrize("text, words", [
    ("I'm a pharmacist at Pinderfields and nobody there knows.", "Pinderfields"),
    ("She was a paramedic with Medivac for ten years.", "Medivac"),
    ("My dad was a brickie for Persimmon and drank every night.", "Persimmon"),
    ("Got sacked from Currys for turning up drunk.", "Currys"),
    ("He did 30 years at Vickers.", "Vickers"),
    ("I pulled pints at the Golden Lion for years.", "the Golden Lion"),
    ("I'm a paramedic with the Welsh Ambulance Service out of Cardiff.", "the Welsh Ambulance Service"),
    ("Got sacked from JD Sports for nicking.", "JD Sports"),
    ("Twenty year I was a sparky at Cammell Laird and drank the lot.", "Cammell Laird"),
    ("I start at Wakefield Recovery Hub on Monday!", "Wakefield Recovery Hub"),
    ("Me mam did thirty years on the buses for Arriva.", "Arriva"),
    ("I'm the peer lead at Turning Tides now.", "Turning Tides"),
    ("text me, I work nights at Musgrove Park", "Musgrove Park"),
    ("Me and our kid were on the bins for Sunderland City Council.", "Sunderland City Council"),
    ("Nail tech at Glossy Tips by day, NA by night.", "Glossy Tips"),
    ("I'm on the door at the Leadmill most weekends.", "the Leadmill"),
])
def test_it_finds_a_workplace_after_a_job_or_the_words_of_working_life(text, words):
    assert ("workplace", words) in found(text)


def test_shopping_somewhere_is_not_working_there():
    assert "workplace" not in kinds("We did a big shop at Aldi for the food bank.")


def test_a_place_called_by_its_name_is_offered_as_nearby_and_a_workplace_when_someone_works_there():
    text = "We drank at a pub called the Swan. I work in a care home called Sunnyside."
    assert found(text) == [("place", "called the Swan"), ("workplace", "called Sunnyside")]
    assert redact(text, find(text)) == "We drank at a pub nearby. I work in a care home nearby."


def test_a_places_name_used_of_something_there_is_offered_as_local():
    text = "Windows are going in at the Bradford hub and I drank in the Wetherspoons by the station."
    assert found(text) == [("place", "Bradford"), ("place", "the Wetherspoons")]
    assert redact(text, find(text)) == "Windows are going in at the local hub and I drank in a local venue by the station."


def test_organisations_and_medicines_are_not_places():
    for text in ("We met the Advisory Council on the Misuse of Drugs.", "I have been on Suboxone for a year.",
                 "We had a grant from the Rotary Trust."):
        assert "place" not in kinds(text), text


def test_working_for_a_person_names_the_person():
    assert found("I work for Dave now.") == [("person", "Dave")]


@pytest.mark.parametrize("text, people", [
    ("Thanks to my sponsor Dave and big Pete for the lifts.", [("person", "sponsor Dave"), ("person", "big Pete")]),
    ("Ring Sharon or Bev at the cafe.", [("person", "Sharon"), ("person", "Bev")]),
    ("My mate Kayleigh came round. kayleigh, you are a star.", [("person", "mate Kayleigh"), ("person", "kayleigh")]),
])
def test_a_name_listed_beside_a_person_or_said_again_is_a_person_too(text, people):
    assert found(text) == people


@pytest.mark.parametrize("text, people", [
    ("thank u Shannon for everything", [("person", "Shannon")]),
    ("Ring Pauline if you want a chat.", [("person", "Pauline")]),
    ("cheers Kev x", [("person", "Kev")]),
    ("big shout to Stevo for the lifts", [("person", "Stevo")]),
    ("Thanks to big Marty for the lifts", [("person", "Marty")]),
    ("thanks to jamal at the kitchen", [("person", "jamal")]),
])
def test_a_name_thanked_or_rung_is_a_person(text, people):
    assert found(text) == people


@pytest.mark.parametrize("text", ["Thanks to Tesco for the food.", "Shout out to Recovery Month!", "Big thanks to everyone."])
def test_thanking_a_shop_an_event_or_everyone_names_no_person(text):
    assert "person" not in kinds(text)


@pytest.mark.parametrize("text", ["My sponsor Dave and I went to the cafe.", "My sponsor Dave and Recovery Month were the best.",
                                  "I rang Grace. By the grace of God I am sober."])
def test_a_listed_word_that_is_no_name_and_a_name_that_is_also_a_word_stay_as_they_are(text):
    assert [words for kind, words in found(text) if kind == "person"] in (["sponsor Dave"], ["Grace"])


# Fellowships

@pytest.mark.parametrize("text, words", [
    ("I go to AA meetings on Tuesdays.", "AA"), ("NA saved my life.", "NA"),
    ("Alcoholics Anonymous gave me a sponsor.", "Alcoholics Anonymous"), ("My mum found Al-Anon.", "Al-Anon"),
    ("Cocaine Anonymous and CA meetings.", "CA"), ("My son goes to Alateen.", "Alateen"),
    ("I found Gamblers Anonymous in 2019.", "Gamblers Anonymous"), ("aa meetings kept me going.", "aa"),
])
def test_it_finds_twelve_step_fellowships(text, words):
    assert ("fellowship", words) in found(text)


@pytest.mark.parametrize("text", [
    "I bought AA batteries.", "Allergies: N/A.", "The AA came out when my car broke down.",
    "We moved to Los Angeles, CA in June.", "I did an MA in social work.", "I stayed anonymous for years.",
])
def test_batteries_breakdowns_states_degrees_and_not_applicable_are_not_fellowships(text):
    assert "fellowship" not in kinds(text)


# The storyteller's own name, by how they chose to be named

STORY = "My name is Dave Smith. Smith is my surname and dave is what my mates call me."


def test_a_storyteller_named_by_their_own_name_may_use_it():
    assert "person" not in kinds(STORY, naming="own_name", own_name="Dave Smith")


def test_a_storyteller_named_by_first_name_is_told_of_their_full_name_and_surname_only():
    assert found(STORY, naming="first_name", own_name="Dave Smith") == [("person", "Dave Smith"), ("person", "Smith")]
    assert find(STORY, naming="first_name", own_name="Dave Smith")[0].redaction == "Dave"


@pytest.mark.parametrize("naming", ["pseudonym", "anonymous"])
def test_a_storyteller_with_a_pseudonym_or_anonymous_is_told_of_their_first_name_too(naming):
    assert found(STORY, naming=naming, own_name="Dave Smith") == [
        ("person", "Dave Smith"), ("person", "Smith"), ("person", "dave")]


def test_every_part_of_a_longer_own_name_counts_and_short_initials_do_not():
    text = "I'm Mary Anne O'Neill, and O'Neill is my dad's name too. J is my middle initial."
    assert found(text, naming="first_name", own_name="Mary Anne J O'Neill") == [
        ("person", "Mary Anne O'Neill"), ("person", "O'Neill")]
    assert find(text, naming="first_name", own_name="Mary Anne J O'Neill")[0].redaction == "Mary"


def test_an_organisations_post_has_no_own_name_and_names_people_as_others():
    assert found("Thank you to our volunteer Dave Smith.") == [("person", "Dave Smith")]


# Redactions and redact()

def test_every_identifier_points_at_its_words_in_the_original_text():
    text = "Ring 07700 900123. My sponsor Dave met me at the Red Lion pub in Leeds; email jo@example.org."
    for identifier in find(text):
        assert text[identifier.start:identifier.end] == identifier.text
        assert identifier.kind in KINDS and identifier.redaction


def test_redact_keeps_the_sentence_readable():
    text = "My sponsor Dave rang me on 07700 900123. Leeds was where I drank, at the Red Lion pub. I go to AA meetings."
    assert redact(text, find(text)) == ("My sponsor rang me on [phone number]. A town was where I drank, at a pub. "
                                        "I go to recovery meetings.")


def test_redact_applies_only_the_chosen_ones_by_index():
    text = "Dr Patel works at Greggs and I was born on 3 March 1985."
    identifiers = find(text)
    assert [i.kind for i in identifiers] == ["person", "workplace", "date-of-birth"]
    assert redact(text, identifiers, [0, 2]) == "Dr P. works at Greggs and I was born in the 1980s."
    assert redact(text, identifiers, []) == text


def test_redact_keeps_a_possessive_and_drops_a_doubled_full_stop():
    assert redact("My son Kyle's school rang.", find("My son Kyle's school rang.")) == "My son's school rang."
    assert redact("Thanks to Sarah.", find("Thanks to Sarah.")) == "Thanks to S."


def test_redact_refuses_a_text_that_changed_since_it_was_checked():
    identifiers = find("Call 07700 900123.")
    with pytest.raises(ValueError, match="changed"):
        redact("Call me on 07700 900123.", identifiers)


# The fellowship note

def test_a_storyteller_named_by_their_own_name_who_names_a_fellowship_gets_a_gentle_note():
    text = "AA gave me my life back."
    note = fellowship_note(text, "own_name", find(text, naming="own_name", own_name="Jo Bloggs"))
    assert "AA" in note and "press, radio and films" in note and "your choice" in note


@pytest.mark.parametrize("naming", [None, "first_name", "pseudonym", "anonymous"])
def test_no_note_for_other_namings_or_without_a_fellowship(naming):
    assert fellowship_note("AA gave me my life back.", naming, find("AA gave me my life back.")) is None
    assert fellowship_note("Recovery gave me my life back.", "own_name", []) is None


# The one interface

def test_assess_gives_each_identifier_with_kind_offsets_text_and_redaction():
    assert assess("Ring 07700 900123", voice="storyteller")["identifiers"] == [
        {"kind": "phone", "start": 5, "end": 17, "text": "07700 900123", "redaction": "[phone number]"}]
    assert Identifier("phone", 5, 17, "07700 900123", "[phone number]").to_dict() == assess(
        "Ring 07700 900123")["identifiers"][0]


def test_a_text_without_digits_does_not_import_phonenumbers():
    code = ("import sys; from recovery_voice.care.identifiers import find; "
            "find('My sponsor Dave rang me from Leeds; AA saved me.'); print('phonenumbers' in sys.modules); "
            "find('Ring 07700 900123'); print('phonenumbers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


@pytest.mark.parametrize("text, names", [
    ("Ashley, Brianna, Marisol and Dee got me through.", ["Ashley", "Brianna", "Marisol", "Dee"]),
    ("Thanks to Bev, Tariq, Oksana and Little Jim for the stall.", ["Bev", "Tariq", "Oksana", "Little Jim"]),
    ("thank u becky, sharon n our lisa for the cake", ["becky", "sharon", "lisa"]),
])
def test_it_finds_every_name_in_a_list_that_begins_with_a_person(text, names):
    people = [words for kind, words in found(text) if kind == "person"]
    assert people == names


def test_a_comma_after_a_name_lists_nobody_unless_an_and_closes_the_list():
    assert [words for kind, words in found("Thanks Sarah, Tuesday was great and Monday too.") if kind == "person"] == ["Sarah"]


@pytest.mark.parametrize("text, place", [
    ("from stockport to salford and now a flat of my own", "stockport"),
    ("1 yr clean in detroit, love yous", "detroit"),
    ("Raised on North Ave. baltimore made me and it nearly killed me.", "baltimore"),
])
def test_it_finds_a_town_written_in_lower_case(text, place):
    assert ("place", place) in found(text)


@pytest.mark.parametrize("text", [
    "the hull of the boat was rotten and so was i",
    "stoke the fire and slough off the old skin",
])
def test_a_town_whose_name_is_an_everyday_word_is_no_place_in_lower_case(text):
    assert "place" not in kinds(text)



@pytest.mark.parametrize("text, date", [
    ("Born on St Columba's Day 1969 in a croft near Oban.", "on St Columba's Day 1969"),
    ("I was born Rosh Hashanah 1983, so apples and honey every birthday.", "Rosh Hashanah 1983"),
    ("The name on my birth certificate is Aoife, 14/05/1991, and that's all I'll say.", "14/05/1991"),
    ("Our Mia turned seven on the 2nd of June and asked why I never drink.", "the 2nd of June"),
    ("Dad was born May 1, 1950 (May Day) and he never let us forget it.", "May Day"),
])
def test_it_finds_a_birth_date_on_a_named_day_of_any_faith_a_birth_certificate_or_an_age_in_words(text, date):
    assert ("date-of-birth", date) in found(text)


@pytest.mark.parametrize("text", [
    "Bill W. and Dr. Bob had it right: one drunk talking to another.",
    "Shoutout to Robert Downey Jr for being open about it.",
    "Watched 28 Days with Sandra Bullock again tonight.",
    "Matthew Perry's book made me feel less alone.",
])
def test_a_public_figure_is_no_private_person_however_the_name_is_written(text):
    assert "person" not in kinds(text)


@pytest.mark.parametrize("text", [
    "I've been sober two years and I'd tell anyone the same.",
    "G'day from Perth, everyone.",
    "Y'all have been so kind this week.",
])
def test_a_capitalised_contraction_is_not_a_name(text):
    assert "person" not in kinds(text), found(text)


@pytest.mark.parametrize("text, name", [
    ("My maw Bridget never gave up on me.", "Bridget"),
    ("Me da Seamus drove me to detox.", "Seamus"),
])
def test_a_name_after_a_scots_or_irish_word_for_family_is_a_person(text, name):
    assert any(kind == "person" and name in span for kind, span in found(text)), found(text)


@pytest.mark.parametrize("text, workplace", [
    ("I drank through to my retirement from Barclays in 2015.", "Barclays"),
    ("I waited tables at Harbour Grill for six years.", "Harbour Grill"),
    ("My first paycheck from Walgreens since treatment came today.", "Walgreens"),
])
def test_it_finds_a_workplace_after_retiring_waiting_tables_or_a_paycheck(text, workplace):
    assert ("workplace", workplace) in found(text), found(text)


@pytest.mark.parametrize("text, name", [
    ("Nobody at work knows except my supervisor, Marged, who has been a rock.", "Marged"),
    ("My abuelita Rosario prays for me every Sunday.", "Rosario"),
    ("My skipper Tamsin knows I'm sober now.", "Tamsin"),
])
def test_a_name_after_a_supervisor_skipper_or_grandmother_in_any_language_is_a_person(text, name):
    assert any(i.kind == "person" and name in i.text for i in find(text))


@pytest.mark.parametrize("text, workplace", [
    ("I'm a trustee at Fresh Start Recovery and in recovery myself.", "Fresh Start Recovery"),
    ("These days I'm delivering for Deliveroo round the city centre.", "Deliveroo"),
])
def test_a_workplace_after_trustee_at_or_delivering_for_is_found(text, workplace):
    assert any(i.kind == "workplace" and workplace in i.text for i in find(text))


# Kinds from the eleventh set (2026-12-04), in words written for these tests.
@pytest.mark.parametrize("text, name", [
    ("Leave the keys with Euan at the front desk.", "Euan"),
    ("Huw drove me to my first meeting in Carmarthen.", "Huw"),
    ("The one who got me through was a bloke everyone called Tiny.", "Tiny"),
    ("There wis a wee wummin cried Senga who made the tea.", "Senga"),
    ("A lad known as Buzz sold to half the estate.", "Buzz"),
])
def test_a_welsh_or_scots_name_and_a_name_everyone_called_someone_are_people(text, name):
    assert any(i.kind == "person" and name in i.text for i in find(text)), found(text)


@pytest.mark.parametrize("text, workplace", [
    ("I clean offices for Mitie on the night shift now.", "Mitie"),
    ("I run the Thursday group at the Beacon Centre, come along.", "Beacon Centre"),
    ("I serve on the board of Northside Recovery these days.", "Northside Recovery"),
])
def test_work_said_by_its_task_a_group_run_or_a_board_is_a_workplace(text, workplace):
    assert any(i.kind == "workplace" and workplace in i.text for i in find(text)), found(text)


def test_the_staff_who_cared_for_a_patient_do_not_make_a_hospital_their_workplace():
    assert not [i for i in find("The staff at St Mary's were kind when I was admitted.") if i.kind == "workplace"]


@pytest.mark.parametrize("text, email", [
    ("Mail me on dawn.r @ sky . com, no spaces obviously.", "dawn.r @ sky . com"),
    ("Write to hello (at) freshstartwalks (dot) org.", "hello (at) freshstartwalks (dot) org"),
    ("Our group is on leithsober(at)gmail.com if you want in.", "leithsober(at)gmail.com"),
    ("Emails to kerry at soberkerry dot com please.", "kerry at soberkerry dot com"),
])
def test_an_email_written_with_spaces_brackets_or_words_is_found(text, email):
    assert ("email", email) in found(text), found(text)


@pytest.mark.parametrize("text", [
    "We met at the dot com boom, when everyone was at it.",
    "DM us @LeithRecovery. We reply within a day.",
])
def test_a_dot_com_boom_and_a_handle_are_no_email(text):
    assert "email" not in kinds(text)


@pytest.mark.parametrize("text, number", [
    ("Ring the line on 1-888-STAY-DRY any time.", "1-888-STAY-DRY"),
    ("text me: oh seven seven double oh, nine double oh, four two one", "oh seven seven double oh, nine double oh, four two one"),
    ("Our Dublin office is 01 872 0455 on weekdays.", "01 872 0455"),
])
def test_a_phone_in_letters_said_in_words_or_irish_is_found(text, number):
    assert ("phone", number) in found(text), found(text)


@pytest.mark.parametrize("text, code", [
    ("Moved to LS6 last spring and never looked back.", "LS6"),
    ("Walton lad, L4 born and bred.", "L4"),
    ("Peckham, SE15. Clean four years.", "SE15"),
    ("I'm in eh7 if anyone wants a coffee.", "eh7"),
    ("Our ZIP+4 was 60614-2231 on the form.", "60614-2231"),
    ("Mom's place is 12 Calle Sol, San Juan PR 00907.", "00907"),
])
def test_a_postcode_district_or_zip_said_as_where_someone_is_from_is_found(text, code):
    assert ("postcode", code) in [(k, w) for k, w in found(text)], found(text)


def test_a_motorway_is_not_a_postcode():
    assert "postcode" not in kinds("Stuck on the M6 for two hours, got to the meeting late.")


@pytest.mark.parametrize("text, number", [
    ("Call me, it's 07700\n900 417, after six is best.", "07700\n900 417"),
    ("The house phone is two one two, five five five, zero one four four.", "two one two, five five five, zero one four four"),
    ("ring oh-seven-seven-oh-oh, nine-oh-oh, five-two-one if you want a walk", "oh-seven-seven-oh-oh, nine-oh-oh, five-two-one"),
])
def test_a_phone_broken_over_a_line_or_said_aloud_is_found(text, number):
    assert ("phone", number) in found(text, region="us" if "two one two" in text else "uk"), found(text)


def test_a_local_us_number_with_a_space_after_a_word_for_a_phone_is_found():
    assert ("phone", "555 0142") in found("My cell is 555 0142, text first.", region="us")


@pytest.mark.parametrize("text, date", [
    ("its my 21st on the 9th of march and im doing it sober", "9th of march"),
    ("Grandad's 80th is on Bonfire Night and the whole family's coming.", "Bonfire Night"),
    ("Baby boy arrived May 4th, 8lb exactly.", "May 4th"),
    ("I'll be 50 on the twelfth of June.", "the twelfth of June"),
    ("Born on the nineteenth of October, 1962, in Leith.", "the nineteenth of October, 1962"),
    ("A Christmas Day baby, and always a party.", "Christmas Day"),
])
def test_a_birthday_by_its_number_a_babys_arrival_and_a_day_said_in_words_are_dates_of_birth(text, date):
    assert any(date in what for what in found_as("date-of-birth", text)), found(text)


@pytest.mark.parametrize("text, name", [
    ("I teach at Ridgeway Academy now and nobody knows.", "Ridgeway Academy"),
    ("Been drivin for Arriva out of the Crewe depot since May.", "Arriva"),
    ("My cousin got me on at the Tesco Extra as a night shelf-stacker.", "Tesco Extra"),
    ("She tended bar at the Crown Inn for years.", "Crown Inn"),
])
def test_work_said_by_its_task_or_by_being_taken_on_names_a_workplace(text, name):
    assert any(name in what for what in found_as("workplace", text)), found(text)


@pytest.mark.parametrize("text, name", [
    ("We sat with Big Davey from the Thursday group.", "Big Davey"),
    ("Tea with Scouse Frankie after the meeting.", "Scouse Frankie"),
    ("Brother Earl prays with me every week.", "Brother Earl"),
    ("My team leader Shazza threw me a party.", "team leader Shazza"),
])
def test_a_nickname_a_brothers_title_and_a_team_leader_name_a_person(text, name):
    assert any(what in name for what in found_as("person", text)), found(text)


@pytest.mark.parametrize("text", [
    "Had a Dr Pepper and a Mr Kipling cake after the meeting.",
    "Captain Morgan and Jack Daniels were my crew for years.",
    "Rewatched Father Ted with my sponsor, cried laughing.",
    "Gordon Ramsay would hate my cooking but I made a lasagne sober.",
    "Doctor says my liver is healing.",
])
def test_brands_sitcom_characters_celebrities_and_a_bare_title_are_no_private_person(text):
    assert "person" not in kinds(text), found(text)


def test_a_town_that_is_also_a_first_name_is_a_place_after_in():
    assert ("place", "Gary") in found("Got sober in Gary, Indiana, back in 1998.", region="us")


def test_a_street_named_after_a_knight_is_a_street_not_a_person():
    assert ("place", "Sir Donald Bradman Drive") in found("It's the one off Sir Donald Bradman Drive.")


@pytest.mark.parametrize("text, name", [
    ("Nineteen years in the Royal Navy and the drink came with it.", "Royal Navy"),
    ("Twenty years on the line at Vauxhall, then the redundancy.", "Vauxhall"),
    ("I do Tuesdays at the Salford Foodbank now.", "Salford Foodbank"),
    ("I'm on the committee at Treharris Welfare Hall these days.", "Treharris Welfare Hall"),
])
def test_years_in_a_service_the_line_a_volunteers_day_and_a_committee_name_a_workplace(text, name):
    assert any(name in what for what in found_as("workplace", text)), found(text)


@pytest.mark.parametrize("text", ["A leap day baby.", "Christmas day baby", "She was our little bairn"])
def test_a_birth_word_at_the_end_of_a_sentence_or_text_is_read_without_error(text):
    assert all(kind in KINDS for kind in kinds(text))


def test_a_local_number_is_not_found_again_inside_a_longer_one():
    from recovery_voice.care.contacts import phones
    text = "Call the house line, 604 555 0109, ask for Jo."
    assert [text[start:end] for _, start, end, _ in phones(text, "us")] == ["604 555 0109"]


@pytest.mark.parametrize("text, name", [
    ("grew up above my dad's takeaway, the Royal Balti, on the main road.", "Royal Balti"),
    ("Mum ran a sweet shop on Belgrave Road, Ramesh's, for thirty years.", "Ramesh's"),
    ("My father had Haddad Auto Repair on Warren Ave for 22 years.", "Haddad Auto Repair"),
    ("Sully, the bouncer at Rosie's on Elm, carried me to the ER.", "Rosie's"),
    ("We went to the pub every night after our shifts at Halifax Building Society.", "Halifax Building Society"),
    ("My grandma was a lunch lady at Rogers High for 30 years.", "Rogers High"),
])
def test_a_business_named_after_its_kind_or_by_its_trade_and_the_place_of_a_job_are_workplaces(text, name):
    assert name in found_as("workplace", text), found(text)


@pytest.mark.parametrize("text, name", [
    ("Pete the milkman knocked on my door when my empties had been out for a week.", "Pete"),
    ("Ray, the driver on the 43, used to wait for me at the stop.", "Ray"),
    ("Gus, who works nights at the garage, let me sit inside till my ride came.", "Gus"),
    ("Denise behind the bar was the first to tell me to my face.", "Denise"),
])
def test_a_first_name_opening_a_sentence_with_a_job_after_it_is_a_person(text, name):
    assert name in found_as("person", text), found(text)


@pytest.mark.parametrize("text", [
    "The lady on the bakery, Dawn, was the first person I told.",
    "We moved to Des Moines, Iowa, when I was six.",
    "I binge-watched Ted Lasso in detox and cried at every episode.",
])
def test_a_first_name_after_a_shop_a_town_named_like_a_person_and_a_tv_character_are_not_workplaces_or_people(text):
    assert "workplace" not in kinds(text) and not any(
        word in " ".join(found_as("person", text)) for word in ("Des", "Ted")), found(text)


@pytest.mark.parametrize("text, name", [
    ("Grew up in Todmorden, moved to Hebden Bridge at 20.", "Todmorden"),
    ("Westies forever, Tallaght born and bred.", "Tallaght"),
    ("Kirsty, Motherwell. Two years sober on Friday.", "Motherwell"),
])
def test_towns_and_districts_of_the_larger_gazetteer_are_places(text, name):
    assert name in found_as("place", text), found(text)


@pytest.mark.parametrize("text, kind, name", [
    ("I'm in Fargo and I work at Sanford on the medical floor as a CNA.", "workplace", "Sanford"),
    ("Dad was a miner at Mount Isa for thirty years.", "workplace", "Mount Isa"),
    ("Big up the nurses on Ward 12 at Lewisham hospital.", "place", "Lewisham"),
    ("I left at seventeen for Belfast and never looked back.", "place", "Belfast"),
    ("I grew up at 9 Belgrave Gate above my dad's shop.", "address", "9 Belgrave Gate"),
])
def test_a_listed_town_after_a_job_is_the_employer_unless_a_venue_word_follows_and_northern_streets_are_addresses(
        text, kind, name):
    assert any(name in what for what in found_as(kind, text)), found(text)


@pytest.mark.parametrize("text, name", [
    ("Abba cooked at the Shapla on Brick Lane for thirty years.", "Shapla"),
    ("I did my nursing at Wythenshawe and stayed there eleven years.", "Wythenshawe"),
    ("I drove a taxi for Arrow Cars off Leeds Road for fifteen years.", "Arrow Cars"),
    ("i was a medic at Walter Reed and came home with a habit.", "Walter Reed"),
    ("I was a bookkeeper at Weinberg's Deli on Murray Ave for a decade.", "Weinberg's Deli"),
    ("My father was headmaster at Ysgol Glan Clwyd and drank every night.", "Ysgol Glan Clwyd"),
    ("Father Zbigniew at St. Florian got me to AA.", "St. Florian"),
    ("Imam Saleem from Victoria Park mosque found me in the car park.", "Victoria Park"),
    ("Mom's place was Lucky Nails on Bolsa Avenue.", "Lucky Nails"),
])
def test_work_said_by_what_was_done_an_occupation_a_title_at_a_place_and_a_shop_that_is_named_are_workplaces(text, name):
    assert any(name in what for what in found_as("workplace", text)), found(text)


@pytest.mark.parametrize("text", [
    "I was a customer at Tesco for years, nothing more.",
    "The woman at the Job Centre asked for my address.",
    "Last time he drove me to detox at Mercy instead of booking me.",
    "I was there, off my face, in the corridor at the General.",
    "worked at the Vauxhall plant at Ellesmere Port for 19 years",
])
def test_a_customer_a_woman_at_a_desk_a_lift_a_corridor_and_a_plant_at_a_town_name_no_new_workplace(text):
    found_workplaces = found_as("workplace", text)
    assert not any(word in " ".join(found_workplaces) for word in ("Tesco", "Job Centre", "Mercy", "General", "Ellesmere")), found(text)


def test_digits_inside_a_code_with_letters_before_them_are_no_phone():
    assert "phone" not in kinds("the tracking number is JD0002213948 55 and the trainers still aint come")
    assert "phone" in kinds("Ring me on 07700 900417 tonight.")


@pytest.mark.parametrize("text, name", [
    ("Ma pal Shuggie fae the Garngad covered my shifts.", "Shuggie"),
    ("Mi wife Pearline, God rest her, kept me going.", "Pearline"),
    ("Mano brolis Tadas took me to detox.", "Tadas"),
    ("My aunty Hodan found me a room.", "Hodan"),
    ("Chacha Balbir was the one who said enough.", "Balbir"),
    ("My lieutenant, Lt. Kavanagh, drove me to my first meeting.", "Kavanagh"),
])
def test_dialect_possessives_roles_and_titles_from_many_communities_name_a_person(text, name):
    assert any(name in who for who in found_as("person", text)), found(text)
