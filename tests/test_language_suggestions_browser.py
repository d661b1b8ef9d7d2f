"""The live check's one-click fixes in a real Chromium: a fix that reaches past the flagged words, none for a claim."""

import pytest

from browser import Visitor, shots
from conftest import sqlite_only
from web_fixtures import PASSWORD, PEOPLE


@pytest.mark.slow
@sqlite_only  # the page's script does not depend on it
def test_a_volunteer_takes_a_fix_that_rephrases_a_possessive_and_gets_none_for_a_false_claim(chromium, site):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    visitor.goto("/compose?free=1")
    field = page.get_by_label("Your post")
    field.fill("An addict's family is welcome. Methadone is just swapping one drug for another.")
    fix = page.get_by_role("button", name="Use “The family of a person with an addiction”")
    fix.wait_for()  # the live check answered while typing
    findings = page.locator("#text-findings")
    claim = findings.locator("li", has_text="“swapping one drug for another”")
    assert claim.count() == 1 and claim.locator("button").count() == 0  # a false claim: the message only
    fix.click()
    assert field.input_value() == "The family of a person with an addiction is welcome. " \
                                  "Methadone is just swapping one drug for another."
    visitor.audit()
    visitor.close()


@pytest.mark.slow
@sqlite_only
def test_a_volunteer_writing_a_tribute_is_warned_of_a_sentence_that_makes_death_a_release_and_offered_no_fix(
        chromium, site):
    visitor = Visitor(chromium, site.url)
    page = visitor.sign_in(PEOPLE["volunteer"], PASSWORD)
    visitor.goto("/compose?free=1")
    page.get_by_label("Your post").fill("RIP Connor, lost to suicide last week. Sleep now, the hurting is done.")
    findings = page.locator("#text-findings")
    warning = findings.locator("li", has_text="Read as a whole, this sentence may go against safe-messaging guidance")
    warning.wait_for()  # the live check answered while typing
    assert warning.count() == 1 and warning.locator("button").count() == 0  # the model's word: no one-click fix
    shots(visitor, "compose-safe-model")
    visitor.close()
