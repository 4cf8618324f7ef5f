"""``python -m macie_notify`` runs the CLI."""

from macie_notify.launch import main

main()
