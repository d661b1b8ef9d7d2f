"""Post templates: read their declared fields, check values, render them in Jinja2's sandbox."""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment

THEMES = ("connectedness", "hope", "identity", "meaning", "empowerment")
HEADER = re.compile(r"\A\{#-?(.*?)-?#\}", re.DOTALL)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
MAX_FIELD_LENGTH = 2000


class TemplateProblem(Exception):
    """A template, or the values given for it, cannot make a post; the message says what to fix.

    `field` names the template field at fault and `kind` what is wrong with it ("missing", "too_long"), so a door
    can say it in its own words.
    """

    def __init__(self, message: str, field: str | None = None, kind: str = ""):
        super().__init__(message)
        self.field, self.kind = field, kind


@dataclass(frozen=True)
class Field:
    """One value a template asks for."""

    name: str
    label: str
    required: bool = True
    example: str = ""


@dataclass(frozen=True)
class PostTemplate:
    """A post template with its declared description, CHIME theme and fields."""

    name: str
    description: str
    theme: str
    fields: tuple[Field, ...]
    source: str

    def render(self, values: dict) -> str:
        """Render with `values`, raising TemplateProblem naming any missing or unknown field."""
        context = check_values(self, values)
        try:
            text = _environment().from_string(self.source).render(context)
        except TemplateError as error:
            raise TemplateProblem(f"template {self.name!r} could not be rendered: {error}") from None
        return text.strip()


def _environment() -> SandboxedEnvironment:
    """A sandbox where undefined variables are errors and nothing is HTML-escaped (posts are text)."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def check_values(template: PostTemplate, values: dict) -> dict:
    """Check the values against the declared fields and return the full render context."""
    if not isinstance(values, dict):
        raise TemplateProblem(f"template {template.name!r}: [vars] must be a table of field = \"value\"")
    declared = {f.name for f in template.fields}
    unknown = sorted(set(values) - declared)
    if unknown:
        raise TemplateProblem(
            f"template {template.name!r} has no field {unknown[0]!r} (its fields: {', '.join(sorted(declared))})"
        )
    context = {}
    for field in template.fields:
        value = values.get(field.name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise TemplateProblem(f"template {template.name!r}: field {field.name!r} must be text")
        value = str(value).strip() if value is not None else ""
        if field.required and not value:
            raise TemplateProblem(
                f"template {template.name!r} needs the field {field.name!r} ({field.label}); "
                f"add {field.name} = \"...\" under [vars]", field.name, "missing"
            )
        if len(value) > MAX_FIELD_LENGTH:
            raise TemplateProblem(f"template {template.name!r}: field {field.name!r} is longer than {MAX_FIELD_LENGTH} characters",
                                  field.name, "too_long")
        context[field.name] = value or None
    return context


def parse_template(name: str, source: str) -> PostTemplate:
    """Parse a template's TOML header and check that it declares every variable it uses."""
    match = HEADER.match(source)
    if not match:
        raise TemplateProblem(f"template {name!r} must start with a {{#- ... -#}} header declaring description, theme and fields")
    try:
        header = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as error:
        raise TemplateProblem(f"template {name!r}: its header is not valid TOML: {error}") from None
    template = PostTemplate(
        name=name,
        description=_header_text(name, header, "description"),
        theme=_header_theme(name, header),
        fields=_header_fields(name, header),
        source=source[match.end():],
    )
    _check_variables(template)
    return template


def _header_text(name: str, header: dict, key: str) -> str:
    """Return a required text value from a template header."""
    value = header.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateProblem(f"template {name!r}: its header needs {key} = \"...\"")
    return value.strip()


def _header_theme(name: str, header: dict) -> str:
    """Return the template's CHIME theme."""
    theme = _header_text(name, header, "theme")
    if theme not in THEMES:
        raise TemplateProblem(f"template {name!r}: theme must be one of {', '.join(THEMES)}, not {theme!r}")
    return theme


def _header_fields(name: str, header: dict) -> tuple[Field, ...]:
    """Return the fields a template header declares."""
    fields = header.get("fields", {})
    if not isinstance(fields, dict):
        raise TemplateProblem(f"template {name!r}: declare fields as [fields.NAME] tables")
    result = []
    for key, spec in fields.items():
        if not NAME.match(key) or not isinstance(spec, dict):
            raise TemplateProblem(f"template {name!r}: field {key!r} needs a lowercase name and a [fields.{key}] table")
        required = spec.get("required", True)
        if not isinstance(required, bool):
            raise TemplateProblem(f"template {name!r}: field {key!r} required must be true or false")
        label = str(spec.get("label") or key.replace("_", " ").capitalize())
        result.append(Field(key, label, required, str(spec.get("example", ""))))
    return tuple(result)


def _check_variables(template: PostTemplate) -> None:
    """Fail when the body uses a variable the header does not declare, or has a syntax error."""
    try:
        used = meta.find_undeclared_variables(_environment().parse(template.source))
    except TemplateError as error:
        raise TemplateProblem(f"template {template.name!r}: {error}") from None
    undeclared = sorted(used - {f.name for f in template.fields})
    if undeclared:
        raise TemplateProblem(
            f"template {template.name!r} uses {{{{ {undeclared[0]} }}}} but does not declare it; "
            f"add [fields.{undeclared[0]}] to its header"
        )


def load_template(templates_dir: Path, name: str) -> PostTemplate:
    """Load one template by name (the file name without .j2)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise TemplateProblem(f"{name!r} is not a template name; names are like \"milestone\"")
    path = templates_dir / f"{name}.j2"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in templates_dir.glob("*.j2"))) or "none"
        raise TemplateProblem(f"there is no template called {name!r} in {templates_dir} (templates: {known})")
    return parse_template(name, path.read_text(encoding="utf-8"))


def load_templates(templates_dir: Path) -> list[PostTemplate]:
    """Load every template in a folder, sorted by name."""
    return [load_template(templates_dir, p.stem) for p in sorted(templates_dir.glob("*.j2"))]
