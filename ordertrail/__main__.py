"""``python -m ordertrail``: the command line."""

from ordertrail.adapters.cli.main import main

main()
