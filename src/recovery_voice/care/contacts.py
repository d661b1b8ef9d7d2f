"""Contact details and dates in a text: phone numbers, emails, street addresses, postcodes, dates of birth.

Each finder returns (kind, start, end, redaction) tuples; identifiers.find turns them into Identifiers.
Their redactions are a bracketed label in its place ("[phone number]"): a detail like this has no vaguer form
that still reads as one, and the brackets show the reader that something was left out on purpose.
"""

from __future__ import annotations

import re

from ..language.lazy import LazyPattern
from .wordlists import occurrences
from .words import BIRTH_WORDS, spells_an_email

Found = tuple[str, int, int, str]

# An email is found from its "@": scanning for the name part before it would try every word of the text.
_EMAIL_NAME = LazyPattern(r"[\w.+-]{1,64}$")
_EMAIL_DOMAIN = LazyPattern(r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
_AT, _DOT = r"(?:[ ]*\[at\][ ]*|[ ]*\(at\)[ ]*|[ ]+at[ ]+)", r"(?:[ ]*\[dot\][ ]*|[ ]*\(dot\)[ ]*|[ ]+dot[ ]+|\.)"
_SPELLED_EMAIL = LazyPattern(r"(?<![\w.])[A-Za-z0-9_%+-]+(?:(?:[ ]+dot[ ]+|\.)[A-Za-z0-9_-]+)*" + _AT + r"[A-Za-z0-9-]+"
                             r"(?:" + _DOT + r"[A-Za-z0-9-]+)*" + _DOT + r"(?:com|org|net|uk|edu|gov|io|me|info|ie|au|nz|ca|scot|cymru|wales|biz|us)\b",
                             re.IGNORECASE)
# A spelled-out address needs a mail provider or a name that looks like one ("kevw77", "hope.rising"), so that
# "we met at the dot com boom" is not taken for one.
_MAIL_DOMAIN = LazyPattern(r"(?i:(?:at|\[at\]|\(at\))[ ]*(?:gmail|googlemail|hotmail|outlook|yahoo|icloud|btinternet|live|"
                           r"aol|protonmail|proton|sky|virginmedia|talktalk|msn|nhs|me|mac)\b)")
_ADDRESS_LIKE_NAME = LazyPattern(r"[A-Za-z]*(?:\d|[._]|[ ]+dot[ ]+)", re.IGNORECASE)
# ...or an "at" no sentence writes ("[at]", "(at)"), or a domain that is no everyday word ("jenna at soberjenna dot com",
# where "met at the dot com boom" has "the").
_BRACKETED_AT = LazyPattern(r"\[at\]|\(at\)", re.IGNORECASE)
_PLAIN_DOMAIN = LazyPattern(r"(?i:[ ]+at[ ]+)(?!(?:the|a|an|my|our|your|his|her|their|this|that|home|work|school|last|least|first|once)\b)"
                            r"[a-z0-9-]{3,}(?:[ ]+dot[ ]+|\.)", re.IGNORECASE)
# An address written with spaces round its "@" and dots, so that it is not taken up by a link: "jo.b @ gmail . com"
# (a handle, "DM us @OurHub", has no space after its "@").
_SPACED_EMAIL = LazyPattern(r"(?<![\w.])[\w.+-]{1,64}[ ]@[ ][A-Za-z0-9-]{1,63}(?:[ ]?\.[ ]?[A-Za-z0-9-]{1,63})*"
                            r"[ ]?\.[ ]?[A-Za-z]{2,24}\b")
# A run that could be a phone number: seven digits or more, with spaces, dots, dashes or brackets between.
_DIGIT_RUN = LazyPattern(r"[\d+(](?:[\d ().\-]|\n(?=\d)){5,}\d")
_YEAR_RANGE = LazyPattern(r"(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d")
_YEAR_FIRST = LazyPattern(r"(?:19|20)\d\d-\d")
_REGIONS = {"uk": "GB", "us": "US"}
# "1-800-662-HELP", and in the US a local number without its area code ("555-0134").
_VANITY = LazyPattern(r"(?<![\d-])(?:1[ -])?\d{3}[ -]\d{3}[ -][A-Z]{4}\b")
# A toll-free number spelled in letters: "1-888-STAY-DRY", "1-800-GAMBLER", "1-877-NOW-SOBR".
_TOLL_FREE_WORDS = LazyPattern(r"(?<![\d-])(?:1[ -])?8(?:00|33|44|55|66|77|88)[ -](?=(?:[A-Z0-9]-?){7,8}\b)(?=[^ ]*[A-Z]{3})"
                               r"[A-Z0-9]+(?:-[A-Z0-9]+){0,2}\b")
# Digits said in words, as people write a number they don't want scraped: "oh seven seven double oh, nine double oh...".
_SAID_DIGITS = LazyPattern(r"(?i:\b(?:oh|zero|one|two|three|four|five|six|seven|eight|nine|double|triple|hundred)"
                           r"(?:[ ,-]+(?:oh|zero|one|two|three|four|five|six|seven|eight|nine|double|triple|hundred)){7,}\b)")
_SAID_COUNT = {"double": 1, "triple": 2, "hundred": 2}  # digits a word adds beyond the next one ("hundred": "00")
_US_LOCAL = LazyPattern(r"(?<![\d\-.,])\d{3}-\d{4}(?![\d-])")
# ...and with a space or none, after a word for a phone: "My phone is 555 0173", "hmu 2 talk ... 555 0163".
_US_LOCAL_SAID = LazyPattern(r"(?i:\b(?:phone|number|call|text|txt|ring|cell|mobile|hmu|digits)\b)[^.!?\n]{0,40}?"
                             r"(?<![\d\-.,])(?<!\d[ ])(?P<number>\d{3}[ ]?\d{4})(?![\d-])")  # not the end of a longer number
_MOST_PHONES = 100
# ...and Ireland's landlines, which no UK number is shaped like: "01 842 0700", "021 455 1234".
_NATIONAL = LazyPattern(r"(?<![\d+-])(?:0\d{4}[ \n-]?\d{3}[ -]?\d{3}|0\d{3}[ \n-]?\d{3}[ -]?\d{4}|0\d{2}[ \n-]?\d{4}[ -]?\d{4}"
                       r"|0[1-9][ ]\d{3}[ ]\d{4}"
                       r"|(?:1[ -])?(?:\(\d{3}\)[ ]?|\d{3}[.-])\d{3}[.-]\d{4})(?![\d])")


def spelled_emails(text: str, lowered: str) -> list[Found]:
    """Find email addresses spelled out for people to read: "kevw77 at gmail dot com", "jo[at]mail[dot]com"."""
    if not spells_an_email(lowered):
        return []
    return [("email", m.start(), m.end(), "[email address]") for m in _SPELLED_EMAIL.finditer(text)
            if _MAIL_DOMAIN.search(m.group()) or _ADDRESS_LIKE_NAME.match(m.group()) or _BRACKETED_AT.search(m.group())
            or _PLAIN_DOMAIN.search(m.group())]


def emails(text: str) -> list[Found]:
    """Find email addresses."""
    found, at = [], text.find("@")
    while at > 0:
        name = _EMAIL_NAME.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if name and domain and name.group()[0] not in ".-":
            found.append(("email", name.start(), domain.end(), "[email address]"))
        at = text.find("@", at + 1)
    if " @ " in text:  # "to @OurHub." is a handle; an address's "@" has a space each side
        found += [("email", m.start(), m.end(), "[email address]") for m in _SPACED_EMAIL.finditer(text)
                  if " " in m.group() and not any(s <= m.start() < e for _, s, e, _ in found)]
    return found


def phones(text: str, region: str) -> list[Found]:
    """Find phone numbers of any country, read as from the region when written without a country code."""
    if not any(sum(c.isdigit() for c in run.group()) >= 7 for run in _DIGIT_RUN.finditer(text)):
        return []  # phonenumbers takes a good part of a second to import: only when a number may be there
    import phonenumbers

    found = []
    # POSSIBLE, not VALID: stories use made-up numbers (Ofcom's 07700 900xxx, America's 555) that VALID refuses.
    # max_tries bounds the work on a text of nothing but digits; a story has far fewer candidates than this.
    matches = phonenumbers.PhoneNumberMatcher(text, _REGIONS.get(region, "GB"), leniency=phonenumbers.Leniency.POSSIBLE,
                                              max_tries=300)
    for tried, match in enumerate(matches, start=1):
        if match.start and text[match.start - 1].isalpha():
            continue  # inside a code with letters before it ("tracking number JD0002213948"), not a phone
        if _looks_like_a_phone(match.raw_string, match.number):
            found.append(("phone", match.start, match.end, "[phone number]"))
        if tried == _MOST_PHONES:
            break  # each match costs phonenumbers about a millisecond; no story holds this many numbers
    # phonenumbers splits two numbers written with only a space between; the usual shapes are found here too.
    local = _US_LOCAL.finditer(text) if region == "us" else ()
    said = [("phone", m.start("number"), m.end("number"), "[phone number]")
            for m in (_US_LOCAL_SAID.finditer(text) if region == "us" else ())]
    return found + said + [("phone", m.start(), m.end(), "[phone number]")
                           for pattern in (_NATIONAL.finditer(text), _VANITY.finditer(text), local) for m in pattern]


def said_phones(text: str) -> list[Found]:
    """Find phone numbers written in words or in letters: ten digits or more said aloud, or a toll-free word number."""
    found = [("phone", m.start(), m.end(), "[phone number]") for m in _TOLL_FREE_WORDS.finditer(text)]
    for m in _SAID_DIGITS.finditer(text):
        words = re.split(r"[ ,-]+", m.group().lower())
        digits = sum(1 + _SAID_COUNT.get(word, 0) - (word in ("double", "triple")) for word in words)
        if digits >= 10 and words[0] in ("oh", "zero", "one") or digits == 10 and words[0] not in _SAID_COUNT:
            found.append(("phone", m.start(), m.end(), "[phone number]"))
    return found


def _looks_like_a_phone(raw: str, number) -> bool:
    """Tell whether a possible number is a person's phone rather than a year range or a short helpline."""
    import phonenumbers

    if _YEAR_RANGE.fullmatch(raw.strip()) or _YEAR_FIRST.match(raw.strip()):
        return False  # "2019-2020", "Order 2023-0457-88"
    digits = re.sub(r"\D", "", raw)
    if raw.lstrip().startswith("+"):
        return phonenumbers.is_possible_number(number) and len(digits) >= 8
    # Helplines such as 116 123 and 988 are short; a person's number is ten digits or more in the UK and US.
    return len(digits) >= 10


# Street addresses: a house number, then one to three capitalised words and a street word.
_STREET_WORDS = ("Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Crescent|Cres|Place|Pl|Terrace|Grove|"
                 "Court|Ct|Gardens|Gdns|Boulevard|Blvd|Hill|Row|Square|Sq|Mews|Parade|Walk|Rise|Vale|Highway|Hwy|"
                 "Parkway|Pkwy|Circle|Cir|Trail|Broadway|Esplanade|Wharf|Quay|View|Green|Park|"
                 # Northern English and Scots street words: "9 Belgrave Gate", "17 Sneinton Dale", "4 Kirk Wynd"
                 "Gate|Dale|Wynd|Brae|Loan|Vennel|Fold|Croft|Ginnel")
_DIGITS = LazyPattern(r"\d+")
_ORDINALS = ("st", "nd", "rd", "th")
_ADDRESS = LazyPattern(
    r"\d(?<![\w.,£$]\d)\d{0,4}[A-Za-z]?,?\s+(?:(?:North|South|East|West|[NSEW])\.?\s+)?"
    r"(?:[A-Z][a-z]+gate\b|(?:(?:[A-Z][a-z'’]+|\d{1,3}(?:st|nd|rd|th))\s+){1,3}(?:" + _STREET_WORDS + r")\b\.?)"
    r"(?:\s+(?:NW|NE|SW|SE|N|S|E|W)\b)?"
    r"|\d(?<![\w.,£$]\d)\d{0,4}[A-Za-z]?,?\s+(?:Heol|Ffordd|Stryd|Lôn|Lon|Maes|Cae|Rhodfa|Clos|Teras)\s+(?:(?:y|yr|'r)\s+)?[A-Z][\w'’]+(?:\s+[A-Z][\w'’]+)?")
_FLAT_BEFORE = LazyPattern(r"\b(?:Flat|Apartment|Apt|Unit)\.?\s+\d{1,4}[A-Za-z]?,?\s+$")
# "i live at 12 elm street": lower case counts only right after words that say an address follows.
_ADDRESS_LOWER = LazyPattern(r"\d(?<![\w.,£$]\d)\d{0,4}[a-z]?,?\s+(?:[a-z'’]+\s+){1,3}"
                            r"(?:street|road|avenue|lane|drive|close|crescent|terrace|grove|way)\b")
_LIVE_BEFORE = LazyPattern(r"(?i:\b(?:live|lived|living|stay|stayed|staying|address is|address:)\s+(?:at\s+|on\s+)?"
                           r"(?P<no>(?:no\.?|number)\s+)?)$")
# A town after an address is a place of its own: "7 Chapel Row, Settle BD24 9HX", "19 Victoria Road, Saltaire,".
_TOWN_AFTER = LazyPattern(r",[ ]*(?P<town>[A-Z][a-z]+(?:[ -][A-Z][a-z]+)?)(?=[ ]*(?:,|\.|$|\n|[A-Z]{1,2}\d|\d{5}))")
_ORDINAL_STREET = LazyPattern(r"\d{1,3}(?:st|nd|rd|th)[ ]+(?:Street|St|Avenue|Ave|Road)\b")


def numbered(text: str) -> list[Found]:
    """Find what is built around a number: street addresses, postcodes and ZIP codes.

    One scan finds the runs of digits; each pattern is then tried only where a run starts, which costs
    far less than a scan of the whole text per pattern.
    """
    found: list[Found] = []
    zip_end = -10  # where the last ZIP code ended: "zip codes 60614 and 60657" are both ZIP codes
    for digits in _DIGITS.finditer(text):
        at, end = digits.span()
        # Cheap looks first: a house number is followed by a space or a comma (or one letter, "12a"), and a
        # postcode's digit follows its area's capital letter.
        if text[end:end + 1] in " ,\n" or text[end + 1:end + 2] in (" ", ",") or text[end:end + 2] in _ORDINALS:
            found += _address_at(text, at)
        if at and text[at - 1].isupper():
            found += _postcode_at(text, at)
        elif at and text[at - 1].islower():
            found += _lower_postcode_at(text, at)
        if end - at == 5:
            zips = _zip_at(text, at, zip_end)
            zip_end = zips[0][2] if zips else zip_end
            found += zips
    return found


def _address_at(text: str, at: int) -> list[Found]:
    """Return the street address whose house number starts at `at`, if there is one."""
    m = _ADDRESS.match(text, at)
    if m:
        flat = _FLAT_BEFORE.search(text, max(0, at - 20), at)
        return [("address", flat.start() if flat else at, m.end(), "[address]")] + _town_after(text, m.end())
    m = _ADDRESS_LOWER.match(text, at)
    live = m and _LIVE_BEFORE.search(text, max(0, at - 30), at)
    if live:
        return [("address", live.start("no") if live.group("no") else at, m.end(), "[address]")]
    m = _ORDINAL_STREET.match(text, at)  # "on 5th Street": a street without a house number
    return [("place", at, m.end(), "a street nearby")] if m else []


def _town_after(text: str, end: int) -> list[Found]:
    """Return the town named right after an address, if one is."""
    m = _TOWN_AFTER.match(text, end)
    return [("place", m.start("town"), m.end("town"), "a town")] if m else []


_AREAS = frozenset(
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
    "FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP "
    "NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW "
    "UB W WA WC WD WF WN WR WS WV YO ZE".split())
_POSTCODE = LazyPattern(r"[A-Z](?<![\w&][A-Z])(?P<area>(?<=[A-Z])[A-Z]?)\d[A-Z\d]?(?P<inward>[ ]?\d[A-Z]{2})?\b")
# The outward part alone ("LS6") is also a road, a vitamin or a seat, so it counts only with words that
# say it is an area: "in LS6", "the LS6 area", "postcode LS6".
_AREA_BEFORE = LazyPattern(r"(?:(?i:\b(?:in|from|near|around|round|to|postcode|post code|postcode'?s|postcode is"
                           r"(?: literally)?)[ ]+)|\(|\b[A-Z][a-z]+,[ ]*)$")
_AREA_AFTER = LazyPattern(r"(?:[ ]+(?:area|postcode|district|born|raised|massive|represent|lads|girls|boys|crew|way|sober|"
                          r"end|if (?:ye|you|u|anyone))\b|\)|,[ ]*that'?s where)")
_LOWER_OUTWARD = LazyPattern(r"[a-z]{1,2}\d{1,2}[a-z]?(?![\w-])")
_LOWER_AREA_BEFORE = LazyPattern(r"(?i:\b(?:in|from|to|postcode|postcode'?s|postcode is)[ ]+)$")
_LOWER_POSTCODE = LazyPattern(r"[a-z]{1,2}\d[a-z\d]?[ ]?\d[a-z]{2}\b")
_ZIP_AFTER = LazyPattern(r"[ ]+zip\b", re.IGNORECASE)
_AND = LazyPattern(r"[ ]*(?:,|and|or|&)[ ]*")
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
           "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI")
_ZIP = LazyPattern(r"\d(?<![\w.,£$]\d)\d{4}(?:-\d{4})?(?![\w-])")
_ZIP_BEFORE = LazyPattern(r"(?:\b(?:" + _STATES + r"),?[ ]+|(?i:\bzip(?:[ ]*codes?)?\b(?:[ ]+(?:is|was|are|were))?[\s:#]*)"
                          r"|\b(?:St|Ave|Rd|Blvd|Dr|Ln|Ct|Pl|Street|Avenue|Road|Boulevard|Drive|Lane|Way),[ ]+)$")
# A ZIP said a little earlier ("they asked my zip for the waitlist. It's 85008"), or a ZIP+4 ("43207-1123"), which nothing else is.
_ZIP_EARLIER = LazyPattern(r"(?i:\bzip\b)")


def _postcode_at(text: str, at: int) -> list[Found]:
    """Return the UK postcode whose outward digit is at `at` (full, or the outward part said as an area)."""
    for start in (at - 2, at - 1):
        m = _POSTCODE.match(text, start) if start >= 0 else None
        if m and m.start("area") + len(m.group("area")) == at:
            break
    else:
        return []
    if text[m.start():at] not in _AREAS:
        return []
    if m.group("inward"):
        return [("postcode", m.start(), m.end(), "[postcode]")]
    if _AREA_BEFORE.search(text, max(0, m.start() - 12), m.start()) or _AREA_AFTER.match(text, m.end()):
        return [("postcode", m.start(), m.end(), "the area")]
    return []


def _zip_at(text: str, at: int, last_zip: int) -> list[Found]:
    """Return the ZIP code starting at `at`, where a state or the word "zip" comes before or after it."""
    m = _ZIP.match(text, at)
    if m and (_ZIP_BEFORE.search(text, max(0, at - 16), at) or _ZIP_AFTER.match(text, m.end())
              or (at - last_zip <= 6 and _AND.fullmatch(text, last_zip, at)) or "-" in m.group()
              or _ZIP_EARLIER.search(text, max(0, at - 60), at)):
        return [("postcode", at, m.end(), "[ZIP code]")]
    return []


def _lower_postcode_at(text: str, at: int) -> list[Found]:
    """Return a full UK postcode written in lower case ("ls11 5ep") whose outward digit is at `at`."""
    for start in (at - 2, at - 1):
        m = _LOWER_POSTCODE.match(text, start) if start >= 0 else None
        if m and text[m.start():at].upper() in _AREAS and (m.start() == 0 or not text[m.start() - 1].isalnum()):
            return [("postcode", m.start(), m.end(), "[postcode]")]
    for start in (at - 2, at - 1):  # "I'm in eh6": the outward part alone, in lower case, after "in"
        m = _LOWER_OUTWARD.match(text, start) if start >= 0 else None
        if m and text[m.start():at].upper() in _AREAS and (m.start() == 0 or not text[m.start() - 1].isalnum()) \
                and _LOWER_AREA_BEFORE.search(text, max(0, m.start() - 16), m.start()):
            return [("postcode", m.start(), m.end(), "the area")]
    return []


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec")
_ABBR = r"(?:(?<=\b\w{3})(?<!May)\.|(?<=Sept)\.)?"  # the full stop of "Jan.", not a sentence's
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
# The day as a word, after "the": "the tenth of March", "the twenty-third of August, 1948".
_ORD_WORD = (r"(?:(?:twenty|thirty)[- ])?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|tenth|eleventh|"
             r"twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth")
# Days with a name that fall on one date, or that a birth "on" names as well as a date would.
_HOLIDAYS = ("Christmas Day|Christmas Eve|New Year['’]s Day|New Year['’]s Eve|Valentine['’]s Day|Bonfire Night|"
             "Guy Fawkes Night|Halloween|Boxing Day|Hogmanay|Paddy['’]s Day|"
             "(?:St\\.?|Saint) (?-i:[A-Z][a-z]+)['’]s Day|Burns Night|Pearl Harbor Day|Independence Day|"
             "Thanksgiving(?: Day)?|Armistice Day|Remembrance Day|Remembrance Sunday|"
             "Anzac Day|Australia Day|Canada Day|Easter Sunday|Easter Monday|Good Friday|Leap Day|May Day|"
             "Fourth of July|Juneteenth|Cinco de Mayo|Mardi Gras(?: day)?|Groundhog Day|April Fools['’]? Day|"
             "Hallowe['’]en|All Saints['’]? Day|Veterans['’]? Day|Memorial Day|Labou?r Day|Waitangi Day|Bastille Day|"
             "Midsummer['’]?s? Day|Twelfth Night|(?:Erev )?(?:Yom Kippur|Rosh Hashanah?)|Passover|Pesach|Purim|"
             "Hanukkah|Chanukah|Shavuot|Sukkot|Eid(?: al-Fitr| al-Adha| ul-Fitr)?|Diwali|Vaisakhi|(?:Chinese|Lunar) New Year|"
             # A saint's or a feast's day by its name ("the Feast of the Immaculate Conception", "Día de la Virgen").
             "Feast of (?:the |St\\.? |Saint )?(?-i:[A-Z]\\w+(?: [A-Z]\\w+){0,2})|"
             "D[ií]a de (?:la |los |las |el )?(?-i:[A-Z]\\w+(?: [A-Z]\\w+){0,2})")
# Months in Spanish, Welsh and Polish, after the day ("6 de junio 2014", "2 Mawrth 1988", "12 maja 1987"):
# birth dates in the languages storytellers in the US, Wales and the UK's Polish community write in too.
_OTHER_MONTHS = ("enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
                 "Ionawr|Chwefror|Mawrth|Ebrill|Mai|Mehefin|Gorffennaf|Awst|Medi|Hydref|Tachwedd|Rhagfyr|"
                 "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|wrze[sś]nia|pa[zź]dziernika|listopada|grudnia")
_DATE_WORDS = (r"(?:(?:the\s+)?" + _ORD + r"|the\s+(?:" + _ORD_WORD + r"))(?:\s+o[f']?)?\s+(?P<m1>" + _MONTHS + r")" + _ABBR + r"(?:,?\s+(?P<y1>(?:19|20)\d\d))?"
         r"|(?P<m2>" + _MONTHS + r")" + _ABBR + r"\s+(?:the\s+)?" + _ORD + r"(?:,?\s+(?P<y2>(?:19|20)\d\d|['’]\d\d\b))?"
         r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?P<y3>(?:19|20)\d\d|\d\d)\b|(?P<y5>(?:19|20)\d\d)-\d\d-\d\d\b"
         r"|\d{1,2}[/.]\d{1,2}(?![/\d]|\.\d)"
         r"|\d{1,2}\s+(?:de\s+)?(?:" + _OTHER_MONTHS + r")\b(?:,?\s+(?:de\s+)?(?P<y6>(?:19|20)\d\d))?"
         r"|(?:" + _HOLIDAYS + r")(?:,?\s+(?P<y4>(?:19|20)\d\d))?")
_DATE = LazyPattern(_DATE_WORDS, re.IGNORECASE)
# Ages in words ("turned five on", "would have been forty-two on").
_AGE_WORDS = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|"
              r"eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
              r"sixteen|seventeen|eighteen|nineteen|a hundred)")
# The words before a birth date, matched where str.find saw one of them; the date must follow at once.
_DOB_CUE = LazyPattern(
    r"(?P<born>born)\s+(?:on\s+)?|(?:n?geni|nac[ií](?:d[oa])?|naci[oó]|urodzi[lł](?:em|am|a)?\s+si[eę])\s+"
    r"|birth\s+cert(?:ificate)?\b[^.!?\n\d]{0,20}?[,:]?\s*"
    r"|(?:birthday|bday|b-day|cumpleaños|pen-?blwydd)(?:\s+(?:girl|boy|lad|lass|gal|king|queen))?(?:\s+today)?(?:\s+(?:is|was|falls on|on)|['’]s|:|[,!])?\s*(?:on\s+)?"
    r"|b\.\s*"
    r"|(?:turn|turns|turned|turning|would\s+have\s+been|will\s+be)\s+(?:\d{1,3}|" + _AGE_WORDS + r")\s+on\s+"
    r"|(?:DOB|D\.O\.B\.?|date of birth)\s*(?:is|was|:|-|–)?\s*",
    re.IGNORECASE)
# An age with its day: "who's 6 today, 20th June", "you'd be 35 today, July 22", "88 years young on March 3rd".
_YEARS_OLD = r"(?:\s+years?(?:\s+(?P<old>old|young))?)?"
# Found from its digits (a quick scan), then the words before are looked at: "been 60 on", "'s 6 today".
_AGED = LazyPattern(r"\d{1,3}" + _YEARS_OLD + r"\s+(?:(?P<today>today)\b[\s,(!.:–-]*(?:on\s+)?|on\s+)", re.IGNORECASE)
# A birthday by its number just before the day ("its my 18th on the 3rd of jan", "Nan's 90th is on Boxing Day"):
# found from the ordinal (a digit is quick to scan for), then the word before is looked at.
_NTH_ON = LazyPattern(r"(?:1[3-9]|[2-9]\d|1[01]\d)(?:st|nd|rd|th)\s+(?:birthday\s+|bday\s+|party\s+)?"
                      r"(?:is\s+|was\s+|falls\s+|['’]s\s+)?on\s+", re.IGNORECASE)
_WHOSE_NTH = LazyPattern(r"(?:\b(?:my|me|his|her|their|our)|['’]s)\s+$", re.IGNORECASE)
# A baby's arrival, and a date that names a birth, around the word "baby" ("Baby girl arrived June 30th",
# "a Valentine's baby", "Leap day baby, February 29th 1988") or "into the world".
_ARRIVED = LazyPattern(r"(?:\s+(?:girl|boy))?(?:\s+\w+){0,2}?\s+(?:arrived|was born|came into the world)\s+(?:on\s+)?",
                       re.IGNORECASE)
_BORN_AFTER = LazyPattern(r"(?:['’]s)?\s+(?:baby\b|(?:is|was) when (?:i|he|she|they) (?:was born|were born|came into the world|arrived))",
                          re.IGNORECASE)
_BABY_COMMA = LazyPattern(r",?\s*")  # matches anywhere, so its end is always there to read
_AGE_LEAD = LazyPattern(r"(?:\b(?:be|been|turns?|turned|turning|is|was|aged?|am|i'?m|i’m)|['’]s)\s+$", re.IGNORECASE)
_DAY_BEFORE = LazyPattern(r"\bdays?\s+$", re.IGNORECASE)
# A date said to be a birthday: "St Patrick's Day is me actual birthday".
_IS_BIRTHDAY = LazyPattern(r"\s+(?:is|was)\s+(?:my|me|his|her|their|our)\s+(?:actual\s+|real\s+|own\s+)?"
                           r"(?:birthday|bday|b-day)\b", re.IGNORECASE)
# A birth date further on in the cue's clause ("born in Motherwell on the 4th o June", "born on the coldest
# day of 1979, January 17th", "birthday, 17th March"): the clause ends at a sentence's end or at a word that
# starts another event ("born in Leeds, got sober on 4 May 2010" gives no birth date).
_CLAUSE_END = LazyPattern(r"[.!?;\n]|\b(?:and|an|but|when|since|until|till|sober|clean|got|died|passed|moved|married|"
                          r"left|started|stopped|quit|relapsed|after|before)\b", re.IGNORECASE)
_CLAUSE_REACH = 60
_ON_BEFORE = LazyPattern(r"\bon\s+(?:the\s+)?$", re.IGNORECASE)
_APPOSITION = LazyPattern(r"(?:\s*[—–(]\s*|\s+-\s+|,?\s+)(?:on\s+)?(?:the\s+)?")
# "Born on the Fourth of July is on telly": a capitalised "Born" and a named day that the sentence goes on
# to talk about is a film's or a song's title.
_TITLE_GOES_ON = LazyPattern(r"\s+(?:is|was|on|by|starring|with|came|comes)\b")
# A recovery birthday is the day someone's recovery began, not a date of birth.
_NOT_BIRTH = LazyPattern(r"(?i:\b(?:recovery|sober|sobriety|clean|AA|NA|program|programme|\d+(?:st|nd|rd|th)|"
                        r"first|second|third|fifth|tenth)[ ]+)$")


def dates_of_birth(text: str, lowered: str | None = None) -> list[Found]:
    """Find a date of birth with its day: "born on 3 March 1985", "my birthday is 12/04/1990", "DOB"."""
    lowered = text.lower() if lowered is None else lowered
    found = _aged_dates(text, lowered)
    for word in BIRTH_WORDS if any(word in lowered for word in BIRTH_WORDS) else ():
        at = lowered.find(word)
        while at >= 0:
            found += _date_of_birth_at(text, at)
            at = lowered.find(word, at + 1)
    return found


def _aged_dates(text: str, lowered: str) -> list[Found]:
    """Find the dates said with an age ("40 today (10/10)") or called a birthday ("Hogmanay is my birthday")."""
    found = []
    if ("today" in lowered or " on " in lowered) and any(digit in text for digit in "0123456789"):
        for aged in _AGED.finditer(text):
            if _said_with_an_age(text, aged) and (date := _DATE.match(text, aged.end())):
                found.append(("date-of-birth", date.start(), date.end(), _vaguer_date(date, False)))
    if " on " in lowered:
        for nth in _NTH_ON.finditer(text):
            if _WHOSE_NTH.search(text, max(0, nth.start() - 12), nth.start()) and (date := _DATE.match(text, nth.end())):
                found.append(("date-of-birth", date.start(), date.end(), _vaguer_date(date, False)))
    for word in ("baby", "babby", "bairn", "into the world"):
        for at in occurrences(lowered, word) if word in lowered else ():
            found += _dates_by_a_birth(text, at, at + len(word))
    for word in ("birthday", "bday") if "bday" in lowered or "birthday" in lowered else ():
        for at in occurrences(lowered, word):
            window = max(0, at - 60)
            for date in _DATE.finditer(text, window, at):
                said = _IS_BIRTHDAY.match(text, date.end())
                if said and said.end() == at + len(word) and (not date.start() or not text[date.start() - 1].isalnum()):
                    found.append(("date-of-birth", date.start(), date.end(), _vaguer_date(date, False)))
    return found


def _dates_by_a_birth(text: str, at: int, end: int) -> list[Found]:
    """Return the date a birth word at text[at:end] names: after its arrival, the day after "day baby,", or the one before it."""
    dates = []
    if (arrived := _ARRIVED.match(text, end)) and (date := _DATE.match(text, arrived.end())):
        dates.append(date)  # "Baby girl arrived June 30th"
    elif text[max(0, at - 4):at].lower() == "day " and (date := _DATE.match(text, _BABY_COMMA.match(text, end).end())):
        dates.append(date)  # "Leap day baby, February 29th 1988": the date after says it
    else:
        dates += [date for date in _DATE.finditer(text, max(0, at - 40), at)
                  if (after := _BORN_AFTER.match(text, date.end())) and after.end() >= end]  # "a Valentine's baby"
    return [("date-of-birth", d.start(), d.end(), _vaguer_date(d, False)) for d in dates]


def _said_with_an_age(text: str, aged: re.Match) -> bool:
    """Tell whether the number is someone's age: "6 today" (not "day 40 today"), "been 60 on", "88 years young on"."""
    at = aged.start()
    if at and (text[at - 1].isalnum() or text[at - 1] in "/.:,-"):
        return False  # inside a number or a date
    if aged.group("today"):
        return not _DAY_BEFORE.search(text, max(0, at - 6), at)
    return bool(aged.group("old")) or bool(_AGE_LEAD.search(text, max(0, at - 12), at))


def _date_of_birth_at(text: str, at: int) -> list[Found]:
    """Return the birth date after the cue word at `at`, if one follows it."""
    if at and (text[at - 1].isalnum() or _NOT_BIRTH.search(text, max(0, at - 16), at)):
        return []
    cue = _DOB_CUE.match(text, at)
    date = cue and (_DATE.match(text, cue.end()) or _date_in_clause(text, cue.end()))
    if not date or _is_a_title(text, at, date):
        return []
    born = bool(cue.group("born"))
    # "born on 3 March 1985" becomes "born in the 1980s": the "on" goes with the date.
    on = _ON_BEFORE.search(text, max(0, date.start() - 8), date.start())
    start = on.start() if on and _vaguer_date(date, born).startswith("in ") else date.start()
    found = [("date-of-birth", start, date.end(), _vaguer_date(date, born))]
    said_again = _APPOSITION.match(text, date.end())  # "on Valentine's Day, the 14th of February"
    again = said_again and _DATE.match(text, said_again.end())
    if again:
        found.append(("date-of-birth", again.start(), again.end(), _vaguer_date(again, born)))
    return found


def _is_a_title(text: str, at: int, date: re.Match) -> bool:
    """Tell whether "Born on <a named day>" is a title the sentence goes on to talk about."""
    return (text.startswith("Born", at) and not any(char.isdigit() for char in date.group())
            and bool(_TITLE_GOES_ON.match(text, date.end())))


def _date_in_clause(text: str, start: int) -> re.Match | None:
    """Return the first whole date in the rest of the cue's clause, if there is one."""
    reach = min(len(text), start + _CLAUSE_REACH)
    end = _CLAUSE_END.search(text, start, reach)
    stop = end.start() if end else reach
    for date in _DATE.finditer(text, start, stop):
        if not text[date.start() - 1].isalnum():
            return date
    return None


def _vaguer_date(m: re.Match, born: bool) -> str:
    """Offer the decade of a birth ("in the 1980s"), or its month without the day, in place of the date."""
    year = m.group("y1") or m.group("y2") or m.group("y3") or m.group("y4") or m.group("y5") or m.group("y6")
    month = m.group("m1") or m.group("m2")
    if born and year and len(year) == 4:
        return f"in the {year[:3]}0s"
    if born and month and not year:
        return f"in {_full_month(month)}"
    return "[date of birth]"


def _full_month(name: str) -> str:
    """Return the month's full name from its name or abbreviation."""
    for full in _MONTHS.split("|")[:12]:
        if full.lower().startswith(name.lower()[:3]):
            return full
    return name
