"""Test-wide set-up: the helper modules in tests/ (gradcheck, hostile_files) import by name
from any folder of the suite (tests/browser/ mirrors nnpy/browser/), with pytest's default
import mode."""

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
for folder in (TESTS, TESTS / "browser"):   # browser/: test_codegen's helpers, used beside it
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
