"""``python -m nnpy``: the command line (see :mod:`nnpy.cli`)."""

import sys

from .cli import main

sys.exit(main())
