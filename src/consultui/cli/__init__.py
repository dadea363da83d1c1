"""Command line: `consultui` starts the app; subcommands work without it."""
from consultui.cli.entry import main

__all__ = ["main"]
