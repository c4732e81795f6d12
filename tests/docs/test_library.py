"""The examples of docs/library.md run as written."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_library_guide_runs_as_written() -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # the guide's paths are relative to the project folder
    try:
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        failed, tried = doctest.testfile(str(ROOT / "docs" / "library.md"),
                                         module_relative=False, optionflags=flags)
    finally:
        os.chdir(cwd)
    assert tried >= 15 and failed == 0
