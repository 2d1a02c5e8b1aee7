"""``python -m backendkg`` runs the command line."""

from .cli import main

main()
