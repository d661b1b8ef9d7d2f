"""Loading and checking config.toml, with errors that name the file, the key and the fix."""

import math
import os
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .config_care import Care, parse_care
from .config_place import DEFAULT_FILE, find_config_path
from .language import LanguageSettings
from .slots import Slot, parse_slot

DEFAULT_SLOTS = ("Mon 09:30", "Tue 09:30", "Wed 09:30", "Thu 09:30", "Fri 09:30", "Sat 11:00", "Sun 11:00")
PLATFORMS = {
    "outbox": {"required": ("path",), "secrets": ()},
    "x": {
        "required": (),
        "secrets": ("consumer_key_env", "consumer_secret_env", "access_token_env", "access_token_secret_env"),
    },
    "mastodon": {"required": ("base_url",), "secrets": ("access_token_env",)},
    "bluesky": {"required": ("handle",), "secrets": ("app_password_env",)},
}
DEFAULT_BASE_URLS = {"x": "https://api.twitter.com", "bluesky": "https://bsky.social"}
VISIBILITIES = ("public", "unlisted", "private")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DAY = 86400  # seconds, for the upper bounds of durations
SECTIONS = {"organisation", "database", "timetable", "worker", "language", "queue", "templates", "accounts",
            "linkcards", "media", "email", "care"}
EMAIL_MODES = ("console", "smtp")
EMAIL_SECURITY = ("starttls", "tls", "none")
EMAIL_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
EMAIL_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+$")


class ConfigError(Exception):
    """A config problem, worded so that a person can fix it."""


@dataclass(frozen=True)
class Account:
    """One social media account the organisation publishes to."""

    name: str
    platform: str
    base_url: str | None = None
    handle: str | None = None
    path: Path | None = None
    secret_envs: dict = field(default_factory=dict)
    source: str = "config"
    footer: str | None = None  # added to the end of every post (the last part of a thread), e.g. a support line
    language: str = "en"  # the posts' language, as Mastodon and Bluesky want it (BCP 47)
    visibility: str = "public"  # Mastodon only

    def secret(self, key: str) -> str:
        """Read one secret from the environment variable the config names for it."""
        variable = self.secret_envs[key]
        value = os.environ.get(variable)
        if not value:
            raise ConfigError(
                f"account {self.name!r}: environment variable {variable} ({key}) is not set; "
                f"set it to the {key.removesuffix('_env').replace('_', ' ')} for this account"
            )
        return value


@dataclass(frozen=True)
class Worker:
    """How the publishing worker behaves."""

    missed_after: timedelta = timedelta(hours=6)
    claim_timeout: timedelta = timedelta(minutes=5)
    recheck: timedelta = timedelta(seconds=15)
    request_timeout: float = 30.0
    max_attempts: int = 5
    batch_size: int = 50
    backoff: timedelta = timedelta(seconds=30)  # the first retry's wait; each later one waits twice as long
    # Added to every rate-limit reset a platform announces, for clocks that disagree by a little.
    reset_margin: timedelta = timedelta(seconds=1)


@dataclass(frozen=True)
class LinkCards:
    """Whether Bluesky link cards are fetched, and whether their pages may be on private addresses."""

    enabled: bool = True
    allow_private_addresses: bool = False  # for tests and intranets; the default fetches public pages only


@dataclass(frozen=True)
class Email:
    """How emails leave: written to the log (console, the default) or sent through an SMTP server."""

    mode: str = "console"
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str = "recovery-voice@localhost"  # [email] from
    site_url: str = "http://127.0.0.1:8000"  # the web app's address as people reach it, for links in emails
    timeout: float = 30.0

    def password(self) -> str | None:
        """Read the SMTP password from the environment variable password_env names (None without one)."""
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if not value:
            raise ConfigError(f"[email] password_env names {self.password_env}, but that environment variable "
                              "is not set; set it to the SMTP password")
        return value


@dataclass(frozen=True)
class Config:
    """Everything recovery-voice needs to run, checked and with paths made absolute."""

    path: Path | None
    organisation_name: str
    timezone: ZoneInfo
    region: str
    database_url: str
    slots: tuple[Slot, ...]
    worker: Worker
    language: LanguageSettings
    accounts: tuple[Account, ...]
    queue_dir: Path
    templates_dir: Path
    queue_settle_seconds: float = 2.0  # a queue file changed this recently may still be being written
    busy_timeout: float = 30.0  # SQLite: seconds to wait for another process's write lock before giving up
    linkcards: LinkCards = LinkCards()
    media_dir: Path | None = None  # [media] path: stored images (created 0700 on first use)
    logo: Path | None = None  # [organisation] logo: an image shown in every page's header
    email: Email = Email()
    care: Care = Care()

    def account(self, name: str) -> Account:
        """Return the account called `name`, or raise ConfigError listing the known ones."""
        for account in self.accounts:
            if account.name == name:
                return account
        known = ", ".join(a.name for a in self.accounts) or "none"
        raise ConfigError(f"there is no account called {name!r} (accounts in config: {known})")


def load_config(explicit: str | None = None) -> Config:
    """Load and check the config that `explicit` or the defaults point to."""
    path = find_config_path(explicit)
    if path is None:
        return parse_config({}, None)
    import tomllib  # here, not at the top: `recovery-voice check` with no config file needs no TOML parser

    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_config(data, path)


def _read_text(path: Path) -> str:
    """Read the config file as UTF-8 (a byte-order mark is fine), saying plainly why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (copy config.example.toml to start)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file; give the path of a file like "
                          f"{Path(path) / DEFAULT_FILE}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: is not UTF-8 text (byte {error.start + 1} cannot be read); "
                          "save it as UTF-8 in your editor") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror}); check its permissions") from None


def parse_config(data: dict, path: Path | None) -> Config:
    """Check a parsed TOML document and build a Config, raising ConfigError that names the file."""
    where = str(path) if path else "built-in defaults"
    base = path.parent.resolve() if path else Path.cwd()
    try:
        return replace(_build(data, base), path=path)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from None


def _build(data: dict, base: Path) -> Config:
    """Build a Config from TOML data, resolving relative paths against `base`."""
    _no_unknown(data, SECTIONS, "top level")
    org = _table(data, "organisation")
    _no_unknown(org, {"name", "timezone", "region", "logo"}, "[organisation]")
    region = _choice(org, "region", "[organisation]", ("uk", "us"), "uk")
    return Config(
        path=None,
        organisation_name=_text(org, "name", "[organisation]", "Our recovery community"),
        timezone=_zone(org.get("timezone", "Europe/London")),
        region=region,
        database_url=_database_url(_table(data, "database"), base),
        slots=_slots(_table(data, "timetable")),
        worker=_worker(_table(data, "worker")),
        language=_language(_table(data, "language"), region),
        accounts=_accounts(data.get("accounts"), base),
        queue_dir=_path(_table(data, "queue"), "dir", "[queue]", base, "queue", {"settle_seconds"}),
        queue_settle_seconds=float(_number(_table(data, "queue"), "settle_seconds", "[queue]", 2, 0, 3600)),
        templates_dir=_path(_table(data, "templates"), "dir", "[templates]", base, "templates"),
        busy_timeout=float(_number(_table(data, "database"), "busy_timeout_seconds", "[database]", 30, 0.1, 3600)),
        linkcards=_linkcards(_table(data, "linkcards")),
        media_dir=_media_dir(_table(data, "media"), base),
        logo=_logo(org, base),
        email=_email(_table(data, "email")),
        care=parse_care(_table(data, "care"), region, ConfigError),
    )


def _table(data: dict, key: str) -> dict:
    """Return the [key] table, or an empty one when absent."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{key}] must be a table, like [{key}] on a line of its own")
    return value


def _no_unknown(table: dict, allowed: set, where: str) -> None:
    """Reject keys we do not know, since a typo would otherwise be silently ignored."""
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(allowed))})")


def _text(table: dict, key: str, where: str, default: str | None = None) -> str | None:
    """Return a string value, checking its type."""
    value = table.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f'{where} {key} must be a quoted string, like {key} = "...", not {value!r}')
    return value


def _choice(table: dict, key: str, where: str, options: tuple, default: str) -> str:
    """Return a string value that must be one of `options`."""
    value = _text(table, key, where, default)
    if value not in options:
        raise ConfigError(f"{where} {key} must be one of {', '.join(options)}, not {value!r}")
    return value


def _number(table: dict, key: str, where: str, default: float, minimum: float, maximum: float,
            whole: bool = False) -> float:
    """Return a finite number from `minimum` to `maximum` (a whole one if `whole`)."""
    value = table.get(key, default)
    kinds = (int,) if whole else (int, float)
    if (isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value)
            or not minimum <= value <= maximum):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{where} {key} must be {kind} from {minimum:g} to {maximum:g}, not {value!r}; "
                          f"for example {key} = {default}")
    return value


def _flag(table: dict, key: str, where: str, default: bool) -> bool:
    """Return a true/false value, checking its type (TOML's true and false, not strings or numbers)."""
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key} must be true or false (without quotes), not {value!r}; "
                          f"for example {key} = {str(default).lower()}")
    return value


def _media_dir(table: dict, base: Path) -> Path:
    """Parse [media] path: the folder of stored images, relative to the config file's folder."""
    folder = _path(table, "path", "[media]", base, "media")
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"[media] path: {folder} is a file, not a folder; point path at a folder "
                          "(it is created if missing)")
    return folder


LOGO_TYPES = (".png", ".svg", ".jpg", ".jpeg", ".webp", ".gif")


def _logo(org: dict, base: Path) -> Path | None:
    """Parse [organisation] logo: an image file, relative to the config file's folder, or none."""
    if not org.get("logo"):
        return None
    logo = (base / _text(org, "logo", "[organisation]")).resolve()
    if logo.suffix.lower() not in LOGO_TYPES:
        raise ConfigError(f"[organisation] logo must be an image file ({', '.join(LOGO_TYPES)}), not {logo.name}")
    if not logo.is_file():
        raise ConfigError(f"[organisation] logo: {logo} is not a file; point logo at your logo's image, "
                          "or leave it out")
    return logo


def _linkcards(table: dict) -> LinkCards:
    """Parse [linkcards] settings."""
    _no_unknown(table, {"enabled", "allow_private_addresses"}, "[linkcards]")
    return LinkCards(
        enabled=_flag(table, "enabled", "[linkcards]", True),
        allow_private_addresses=_flag(table, "allow_private_addresses", "[linkcards]", False),
    )


def _email(table: dict) -> Email:
    """Parse [email]: console (the default) or smtp, with the password only named, never written here."""
    where = "[email]"
    if "password" in table:
        raise ConfigError('[email] has password written in the file; secrets must not live in config. '
                          'Put it in an environment variable and write password_env = "VARIABLE_NAME"')
    _no_unknown(table, {"mode", "host", "port", "security", "username", "password_env", "from", "site_url",
                        "timeout_seconds"}, where)
    security = _choice(table, "security", where, EMAIL_SECURITY, "starttls")
    sender = _text(table, "from", where, "recovery-voice@localhost")
    if not EMAIL_ADDRESS.match(sender.rpartition("<")[2].rstrip(">").strip()):
        raise ConfigError(f'[email] from must be an email address like "news@example.org" or '
                          f'"Our Community <news@example.org>", not {sender!r}')
    site_url = _text(table, "site_url", where, "http://127.0.0.1:8000").rstrip("/")
    if not site_url.startswith(("http://", "https://")):
        raise ConfigError(f'[email] site_url must start with https:// (the address people open the web app at, '
                          f'like "https://post.example.org"), not {site_url!r}')
    return Email(
        mode=_choice(table, "mode", where, EMAIL_MODES, "console"),
        host=_text(table, "host", where, "localhost"),
        port=int(_number(table, "port", where, EMAIL_DEFAULT_PORTS[security], 1, 65535, whole=True)),
        security=security,
        username=_text(table, "username", where) or None,
        password_env=_text(table, "password_env", where) or None,
        sender=sender,
        site_url=site_url,
        timeout=float(_number(table, "timeout_seconds", where, 30, 0.1, 3600)),
    )


def _zone(name) -> ZoneInfo:
    """Return the IANA time zone called `name`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"[organisation] timezone {name!r} is not an IANA time zone name like \"Europe/London\""
        ) from None


def _database_url(table: dict, base: Path) -> str:
    """Return the database URL (or read it from the variable url_env names), making SQLite paths absolute."""
    _no_unknown(table, {"url", "url_env", "busy_timeout_seconds"}, "[database]")
    url = _text(table, "url", "[database]", "sqlite:///recovery-voice.db")
    variable = _text(table, "url_env", "[database]")
    if variable:
        url = os.environ.get(variable)
        if not url:
            raise ConfigError(f"[database] url_env names {variable}, but that environment variable is not set")
    if not url.startswith(("sqlite:///", "postgresql")):
        raise ConfigError(
            f"[database] url {url!r} is not supported: use sqlite:///FILE or postgresql+psycopg://..."
        )
    relative = url.removeprefix("sqlite:///")
    if url.startswith("sqlite:///") and relative and not relative.startswith("/"):
        url = f"sqlite:///{base / relative}"
    if url.startswith("sqlite:///"):
        _folder_exists(Path(url.removeprefix("sqlite:///")).parent, "[database] url")
    return url


def _folder_exists(folder: Path, where: str) -> None:
    """Refuse a file path whose folder is missing, which SQLite would only report as "unable to open"."""
    if not folder.is_dir():
        raise ConfigError(f"{where}: the folder {folder} does not exist; create it (mkdir -p {folder}) "
                          "or point the path at a folder that exists")


def _slots(table: dict) -> tuple[Slot, ...]:
    """Parse [timetable] slots."""
    _no_unknown(table, {"slots"}, "[timetable]")
    raw = table.get("slots", list(DEFAULT_SLOTS))
    if not isinstance(raw, list):
        raise ConfigError('[timetable] slots must be a list like ["Mon 09:30", "Thu 18:00"]')
    slots = []
    for index, text in enumerate(raw):
        try:
            slots.append(parse_slot(text))
        except ValueError as error:
            raise ConfigError(f"[timetable] slots[{index}]: {error}") from None
    return tuple(sorted(set(slots)))


def _worker(table: dict) -> Worker:
    """Parse [worker] settings."""
    keys = {"missed_after_minutes", "claim_timeout_seconds", "recheck_seconds", "request_timeout_seconds",
            "max_attempts", "batch_size", "backoff_seconds", "reset_margin_seconds"}
    _no_unknown(table, keys, "[worker]")
    request_timeout = float(_number(table, "request_timeout_seconds", "[worker]", 30, 0.1, 3600))
    claim_timeout = _number(table, "claim_timeout_seconds", "[worker]", 300, 1, 7 * DAY)
    # A claim must outlast any call, or a slow call could be settled while still in flight.
    if claim_timeout <= request_timeout * 2:
        raise ConfigError(f"[worker] claim_timeout_seconds ({claim_timeout}) must be more than twice "
                          f"request_timeout_seconds ({request_timeout})")
    return Worker(
        missed_after=timedelta(minutes=_number(table, "missed_after_minutes", "[worker]", 360, 1, 365 * DAY / 60)),
        claim_timeout=timedelta(seconds=claim_timeout),
        recheck=timedelta(seconds=_number(table, "recheck_seconds", "[worker]", 15, 0.1, DAY)),
        request_timeout=request_timeout,
        max_attempts=int(_number(table, "max_attempts", "[worker]", 5, 1, 1000, whole=True)),
        batch_size=int(_number(table, "batch_size", "[worker]", 50, 1, 100_000, whole=True)),
        backoff=timedelta(seconds=_number(table, "backoff_seconds", "[worker]", 30, 0.01, DAY)),
        reset_margin=timedelta(seconds=_number(table, "reset_margin_seconds", "[worker]", 1, 0, 3600)),
    )


def _language(table: dict, region: str) -> LanguageSettings:
    """Parse [language] overrides into LanguageSettings."""
    _no_unknown(table, {"disable", "severity", "terms"}, "[language]")
    disabled = table.get("disable", [])
    if not isinstance(disabled, list):
        raise ConfigError('[language] disable must be a list of rule ids like ["rehab"]')
    try:
        return LanguageSettings(
            region=region,
            disabled=frozenset(disabled),
            severities=dict(_table(table, "severity")),
            extra_terms=tuple(table.get("terms", [])),
        )
    except (ValueError, TypeError) as error:
        raise ConfigError(f"[language] {error}") from None


def _accounts(raw, base: Path) -> tuple[Account, ...]:
    """Parse [[accounts]]; with none configured, publish to a local outbox file."""
    if raw is None:
        return (Account(name="outbox", platform="outbox", path=base / "outbox.jsonl", source="default"),)
    if not isinstance(raw, list):
        raise ConfigError("accounts must be written as [[accounts]] tables")
    accounts = [_account(entry, index, base) for index, entry in enumerate(raw)]
    names = [a.name for a in accounts]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"[[accounts]] name {duplicate!r} is used twice; each account needs its own name")
    return tuple(accounts)


def _account(entry: dict, index: int, base: Path) -> Account:
    """Parse one [[accounts]] table."""
    where = f"[[accounts]] #{index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    name = _text(entry, "name", where)
    if not name or not ACCOUNT_NAME.match(name):
        raise ConfigError(f"{where} name must be lowercase letters, digits, - or _ (like \"mastodon-main\"), not {name!r}")
    where = f"[[accounts]] {name!r}"
    platform = _choice(entry, "platform", where, tuple(PLATFORMS), None)
    rules = PLATFORMS[platform]
    _no_secrets_inline(entry, where)
    allowed = {"name", "platform", "base_url", "handle", "path", "footer", "language", "visibility", *rules["secrets"]}
    _no_unknown(entry, allowed, where)
    for key in (*rules["required"], *rules["secrets"]):
        if not _text(entry, key, where):
            raise ConfigError(f"{where} needs {key}" + (" (the name of an environment variable)" if key.endswith("_env") else ""))
    path = _text(entry, "path", where)
    return Account(
        name=name,
        platform=platform,
        base_url=(_text(entry, "base_url", where) or DEFAULT_BASE_URLS.get(platform, "")).rstrip("/") or None,
        handle=_text(entry, "handle", where),
        path=(base / path).resolve() if path else None,
        secret_envs={key: entry[key] for key in rules["secrets"]},
        footer=_text(entry, "footer", where) or None,
        language=_post_language(entry, where),
        visibility=_choice(entry, "visibility", where, VISIBILITIES, "public"),
    )


def _post_language(entry: dict, where: str) -> str:
    """Return the account's post language, a short BCP 47 tag like "en" or "en-GB"."""
    value = _text(entry, "language", where, "en")
    if not LANGUAGE_TAG.match(value):
        raise ConfigError(f'{where} language must be a language tag like "en" or "cy", not {value!r}')
    return value


def _no_secrets_inline(entry: dict, where: str) -> None:
    """Refuse secrets written into the TOML itself: they belong in the environment."""
    for key in entry:
        if key in {"consumer_key", "consumer_secret", "access_token", "access_token_secret", "app_password", "password"}:
            raise ConfigError(
                f"{where} has {key} written in the file; secrets must not live in config. "
                f"Put it in an environment variable and write {key}_env = \"VARIABLE_NAME\""
            )


def _path(table: dict, key: str, where: str, base: Path, default: str, others: set = frozenset()) -> Path:
    """Return a directory path from config, relative to the config file's folder."""
    _no_unknown(table, {key, *others}, where)
    return (base / _text(table, key, where, default)).resolve()
