"""Loading config.toml: defaults, precedence, and errors that say what to fix."""

import socket
import stat
import time
from datetime import timedelta

import pytest

from recovery_voice.config import ConfigError, load_config
from recovery_voice.db import CONNECT_TIMEOUT, DatabaseError, check_schema, make_engine, upgrade


def write(tmp_path, body, name="config.toml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_without_a_config_it_uses_sqlite_and_an_outbox_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECOVERY_VOICE_CONFIG", raising=False)
    config = load_config()
    assert config.path is None
    assert config.database_url == f"sqlite:///{tmp_path / 'recovery-voice.db'}"
    assert [(a.name, a.platform, a.path) for a in config.accounts] == [("outbox", "outbox", tmp_path / "outbox.jsonl")]
    assert config.timezone.key == "Europe/London" and config.region == "uk"
    assert len(config.slots) == 7
    assert config.worker.missed_after == timedelta(hours=6)


def test_config_toml_in_the_working_folder_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, '[organisation]\nname = "Here"\n')
    monkeypatch.setenv("RECOVERY_VOICE_CONFIG", write(tmp_path, '[organisation]\nname = "Env"\n', "other.toml"))
    assert load_config().organisation_name == "Here"


def test_the_environment_variable_is_used_when_there_is_no_config_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECOVERY_VOICE_CONFIG", write(tmp_path, '[organisation]\nname = "Env"\n', "other.toml"))
    assert load_config().organisation_name == "Env"


def test_an_explicit_config_path_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, '[organisation]\nname = "Here"\n')
    assert load_config(write(tmp_path, '[organisation]\nname = "Explicit"\n', "x.toml")).organisation_name == "Explicit"


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "etc" / "data").mkdir(parents=True)
    path = write(tmp_path / "etc", '[database]\nurl = "sqlite:///data/rv.db"\n[[accounts]]\nname = "outbox"\nplatform = "outbox"\npath = "out.jsonl"\n')
    config = load_config(path)
    assert config.database_url == f"sqlite:///{tmp_path / 'etc' / 'data' / 'rv.db'}"
    assert config.accounts[0].path == tmp_path / "etc" / "out.jsonl"


@pytest.mark.parametrize("body, expected", [
    ('[organisation]\ntimezone = "Europe/Londn"\n', r"\[organisation\] timezone 'Europe/Londn' is not an IANA time zone"),
    ('[organisation]\nregion = "fr"\n', r"\[organisation\] region must be one of uk, us"),
    ('[timetable]\nslots = ["Mon 09:30", "Someday 10:00"]\n', r"\[timetable\] slots\[1\]: 'Someday 10:00' is not a weekday"),
    ('[timetable]\nslots = "Mon 09:30"\n', r"\[timetable\] slots must be a list"),
    ('[organisaton]\nname = "x"\n', r"top level: unknown key 'organisaton'"),
    ('[database]\nurl = "mysql://x"\n', r"\[database\] url 'mysql://x' is not supported"),
    ('[worker]\nmax_attempts = 0\n', r"\[worker\] max_attempts must be a whole number from 1 to 1000"),
    ('[[accounts]]\nname = "X Main"\nplatform = "x"\n', r"name must be lowercase"),
    ('[[accounts]]\nname = "m"\nplatform = "myspace"\n', r"platform must be one of outbox, x, mastodon, bluesky"),
    ('[[accounts]]\nname = "m"\nplatform = "mastodon"\naccess_token_env = "T"\n', r"\[\[accounts\]\] 'm' needs base_url"),
    ('[[accounts]]\nname = "x"\nplatform = "x"\nconsumer_key_env = "A"\n', r"needs consumer_secret_env \(the name of an environment variable\)"),
    ('[[accounts]]\nname = "o"\nplatform = "outbox"\npath = "a"\n[[accounts]]\nname = "o"\nplatform = "outbox"\npath = "b"\n', r"name 'o' is used twice"),
    ('[language]\ndisable = "rehab"\n', r"\[language\] disable must be a list"),
    ('this is = not toml = at all', r"not valid TOML"),
])
def test_a_bad_config_gets_an_error_naming_the_file_and_the_key(tmp_path, body, expected):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_config(path)
    assert str(caught.value).startswith(path)


def test_a_secret_written_into_the_file_is_refused_with_the_way_to_fix_it(tmp_path):
    path = write(tmp_path, '[[accounts]]\nname = "m"\nplatform = "mastodon"\nbase_url = "https://m.example"\naccess_token = "s3cret"\n')
    with pytest.raises(ConfigError, match='access_token_env = "VARIABLE_NAME"') as caught:
        load_config(path)
    assert "s3cret" not in str(caught.value)


def test_a_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: config file not found"):
        load_config(str(tmp_path / "nope.toml"))


def test_secrets_are_read_from_the_environment_only_when_needed(tmp_path, monkeypatch):
    path = write(tmp_path, '[[accounts]]\nname = "m"\nplatform = "mastodon"\nbase_url = "https://m.example/"\naccess_token_env = "RV_TEST_TOKEN"\n')
    account = load_config(path).account("m")
    assert account.base_url == "https://m.example"
    monkeypatch.delenv("RV_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="RV_TEST_TOKEN .* is not set"):
        account.secret("access_token_env")
    monkeypatch.setenv("RV_TEST_TOKEN", "abc")
    assert account.secret("access_token_env") == "abc"


def test_the_database_url_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RV_DB", "postgresql+psycopg://rv:pw@localhost/rv")
    assert load_config(write(tmp_path, '[database]\nurl_env = "RV_DB"\n')).database_url.endswith("localhost/rv")
    monkeypatch.delenv("RV_DB")
    with pytest.raises(ConfigError, match="RV_DB, but that environment variable is not set"):
        load_config(write(tmp_path, '[database]\nurl_env = "RV_DB"\n'))


def test_the_example_config_is_valid(monkeypatch):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    for name in ("RV_X_CONSUMER_KEY",):
        monkeypatch.delenv(name, raising=False)
    config = load_config(str(example))
    assert {a.platform for a in config.accounts} >= {"outbox", "x"}


def test_a_claim_timeout_shorter_than_a_call_is_refused(tmp_path):
    path = write(tmp_path, "[worker]\nrequest_timeout_seconds = 30\nclaim_timeout_seconds = 45\n")
    with pytest.raises(ConfigError, match=r"claim_timeout_seconds \(45\) must be more than twice request_timeout"):
        load_config(path)


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + '[organisation]\nname = "Café"\n'.encode("utf-8"))
    assert load_config(str(path)).organisation_name == "Café"


def test_a_config_that_is_not_utf8_is_named_with_the_fix(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes('[organisation]\nname = "Café"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text .* save it as UTF-8") as caught:
        load_config(str(path))
    assert str(caught.value).startswith(str(path))


def test_a_folder_given_as_the_config_is_named_with_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="is a folder, not a config file; give the path of a file like") as caught:
        load_config(str(tmp_path))
    assert str(caught.value).startswith(str(tmp_path))


@pytest.mark.parametrize("value, key", [
    ("inf", "recheck_seconds"), ("nan", "backoff_seconds"), ("-inf", "reset_margin_seconds"),
    ("1e300", "missed_after_minutes"), ("99999999999999999", "batch_size"), ("2.5", "max_attempts"),
    ("nan", "claim_timeout_seconds"), ("1e308", "request_timeout_seconds"),
])
def test_infinite_nan_huge_or_fractional_numbers_are_refused_naming_the_key(tmp_path, value, key):
    path = write(tmp_path, f"[worker]\n{key} = {value}\n")
    with pytest.raises(ConfigError, match=rf"\[worker\] {key} must be a (whole )?number from .* for example {key} = ") as caught:
        load_config(path)
    assert str(caught.value).startswith(path)


@pytest.mark.parametrize("body, expected", [
    ('[[accounts]]\nname = "o"\nplatform = "outbox"\npath = 5\n', r"\[\[accounts\]\] 'o' path must be a quoted string, like path = "),
    ('[queue]\ndir = ["queue"]\n', r"\[queue\] dir must be a quoted string, like dir = "),
    ('[templates]\ndir = 1\n', r"\[templates\] dir must be a quoted string"),
    ('[queue]\nsettle_seconds = -1\n', r"\[queue\] settle_seconds must be a number from 0 to 3600"),
])
def test_a_wrong_type_for_a_path_is_named_with_what_to_write(tmp_path, body, expected):
    path = write(tmp_path, body)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_config(path)
    assert str(caught.value).startswith(path)


def test_a_sqlite_file_in_a_missing_folder_is_named_before_sqlite_fails(tmp_path):
    path = write(tmp_path, '[database]\nurl = "sqlite:///nowhere/rv.db"\n')
    with pytest.raises(ConfigError, match=r"\[database\] url: the folder .*nowhere does not exist; create it") as caught:
        load_config(path)
    assert str(caught.value).startswith(path)


def test_the_queue_settle_time_is_read_from_the_config(tmp_path):
    assert load_config(write(tmp_path, "[queue]\nsettle_seconds = 0.5\n")).queue_settle_seconds == 0.5
    assert load_config(write(tmp_path, "")).queue_settle_seconds == 2


@pytest.fixture
def silent_host():
    """A loopback port that takes connections and never answers, like a PostgreSQL host behind a dropped route."""
    server = socket.create_server(("127.0.0.1", 0), backlog=16)
    yield f"127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_a_postgresql_host_that_does_not_answer_is_named_once_its_connect_timeout_passes(tmp_path, silent_host):
    config = load_config(write(tmp_path, f'[database]\nurl = "postgresql+psycopg://rv@{silent_host}/rv?connect_timeout=1"\n'))
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=f"cannot reach the database at {silent_host}: .*timeout"):
        check_schema(make_engine(config.database_url))
    assert time.monotonic() - started < 5


@pytest.mark.slow
def test_a_postgresql_host_that_does_not_answer_gives_up_after_ten_seconds_by_default(silent_host):
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=f"cannot reach the database at {silent_host}"):
        check_schema(make_engine(f"postgresql+psycopg://rv@{silent_host}/rv"))
    assert CONNECT_TIMEOUT - 1 < time.monotonic() - started < CONNECT_TIMEOUT + 5


def test_a_new_sqlite_database_and_its_wal_files_are_readable_by_their_owner_only(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'rv.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM posts")
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in tmp_path.iterdir()}
    engine.dispose()
    assert modes == {"rv.db": 0o600, "rv.db-wal": 0o600, "rv.db-shm": 0o600}
