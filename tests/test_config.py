"""Loading config.toml: defaults, precedence, and errors that say what to fix."""

from datetime import timedelta

import pytest

from recovery_voice.config import ConfigError, load_config


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
    (tmp_path / "etc").mkdir()
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
    ('[worker]\nmax_attempts = 0\n', r"\[worker\] max_attempts must be a number of at least 1"),
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
