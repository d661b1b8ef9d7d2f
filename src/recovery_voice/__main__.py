"""Allow `python -m recovery_voice`."""

from .cli import main

main()
