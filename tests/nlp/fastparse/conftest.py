"""Fixtures of the parse's tests: the seeds' paragraphs, and the model as spaCy runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newstrace.nlp.fastparse import MODELS, load_model, paragraphs


@pytest.fixture(scope="session")
def seed_paragraphs(seeds_dir: Path) -> list[str]:
    """Every paragraph of the seed articles, in file order."""
    return [p for f in sorted(seeds_dir.glob("*.txt")) for _, p in paragraphs(f.read_text())]


@pytest.fixture(scope="module")
def reference() -> Any:
    """The English model with its own components (nothing remembered, spaCy's own
    parser and recogniser), on the same numpy operations as the pipeline's."""
    return load_model(MODELS[0])
