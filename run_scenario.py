#!/usr/bin/env python3
"""Thin shim onto the package's command line: ``python run_scenario.py [wargame args]``.

With no arguments it runs the default West Hunan scenario.
"""

import sys

from wargame.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None, default_run=True))
