"""Which config file applies, worked out without loading config.py (for `check`'s quick path, cli_quick.py)."""

import os
from pathlib import Path

ENV_VAR = "RECOVERY_VOICE_CONFIG"
DEFAULT_FILE = "config.toml"


def find_config_path(explicit: str | None) -> Path | None:
    """Pick the config file: --config, else ./config.toml, else $RECOVERY_VOICE_CONFIG, else none."""
    if explicit:
        return Path(explicit)
    if Path(DEFAULT_FILE).exists():
        return Path(DEFAULT_FILE)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return None
