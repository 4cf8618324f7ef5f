"""``python -m macie_notify`` runs the CLI."""

from macie_notify.cli.main import main

main()
