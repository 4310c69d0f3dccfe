"""``python -m wargame``: the command line."""

from wargame.cli import main

raise SystemExit(main())
