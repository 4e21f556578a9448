"""``python -m miglint`` runs the command-line interface."""

from miglint.cli import entry

entry()
