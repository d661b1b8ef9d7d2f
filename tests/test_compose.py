"""Post templates: declared fields, sandboxed rendering and clear errors."""

import pytest

from recovery_voice.compose import THEMES, TemplateProblem, load_template, load_templates, parse_template
from recovery_voice.language import check

from conftest import TEMPLATES

HEADER = '{#-\ndescription = "A test"\ntheme = "hope"\n[fields.name]\nlabel = "Name"\n[fields.link]\nrequired = false\n-#}\n'


def test_every_starter_template_declares_a_theme_and_renders_its_examples_within_280_characters():
    templates = load_templates(TEMPLATES)
    assert len(templates) >= 8
    required = {"story_share", "milestone", "meeting", "welcome", "volunteer_thanks", "hope", "awareness_day",
                "recovery_is_possible"}
    assert required <= {t.name for t in templates}
    for template in templates:
        assert template.theme in THEMES and template.description
        text = template.render({f.name: f.example for f in template.fields})
        assert 0 < len(text) <= 280, template.name
        assert "{" not in text and "}" not in text


def test_no_starter_template_uses_language_the_check_warns_about():
    for template in load_templates(TEMPLATES):
        text = template.render({f.name: f.example for f in template.fields})
        report = check(text)
        assert not report.reaches("warning"), (template.name, [f.to_dict() for f in report.findings])


def test_a_missing_required_field_is_named_with_how_to_add_it():
    with pytest.raises(TemplateProblem, match=r"needs the field 'time' \(Time in recovery\); add time = "):
        load_template(TEMPLATES, "milestone").render({"name": "Sam"})


def test_an_optional_field_can_be_left_out():
    template = parse_template("t", HEADER + "Hello {{ name }}{% if link %} {{ link }}{% endif %}")
    assert template.render({"name": "Sam"}) == "Hello Sam"
    assert template.render({"name": "Sam", "link": "https://example.org"}) == "Hello Sam https://example.org"


def test_a_value_for_a_field_the_template_does_not_have_is_refused():
    with pytest.raises(TemplateProblem, match=r"has no field 'nmae' \(its fields: link, name\)"):
        parse_template("t", HEADER + "Hello {{ name }}").render({"nmae": "Sam"})


def test_a_template_using_an_undeclared_variable_is_refused_when_loaded():
    with pytest.raises(TemplateProblem, match=r"uses \{\{ place \}\} but does not declare it"):
        parse_template("t", HEADER + "Hello {{ name }} at {{ place }}")


def test_a_template_without_a_header_or_with_a_bad_theme_is_refused():
    with pytest.raises(TemplateProblem, match="must start with"):
        parse_template("t", "Hello {{ name }}")
    with pytest.raises(TemplateProblem, match="theme must be one of"):
        parse_template("t", HEADER.replace('"hope"', '"joy"') + "Hi")
    with pytest.raises(TemplateProblem, match="not valid TOML"):
        parse_template("t", "{#- description = -#}Hi")


def test_templates_render_in_a_sandbox_that_refuses_unsafe_attributes():
    template = parse_template("t", HEADER + "{{ name.__class__.__mro__ }}")
    with pytest.raises(TemplateProblem, match="could not be rendered"):
        template.render({"name": "Sam"})


def test_values_are_data_not_template_code():
    template = parse_template("t", HEADER + "Hello {{ name }}")
    assert template.render({"name": "{{ 7 * 7 }} <b>"}) == "Hello {{ 7 * 7 }} <b>"


def test_an_unknown_template_name_lists_the_templates_there_are():
    with pytest.raises(TemplateProblem, match=r"no template called 'milestones'.*milestone"):
        load_template(TEMPLATES, "milestones")
    with pytest.raises(TemplateProblem, match="is not a template name"):
        load_template(TEMPLATES, "../etc/passwd")
