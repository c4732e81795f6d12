"""Shared fixtures: the seed articles from ``../shared/data/seeds`` (skipped if absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newstrace.clean import clean_document
from newstrace.records import Article, RawDocument

DATA = Path(os.environ.get("NEWSTRACE_DATA",
                           Path(__file__).resolve().parents[2].parent / "shared" / "data"))


@pytest.fixture(scope="session")
def seed():
    """``seed("002")`` -> the cleaned Article of that seed file."""
    cache: dict[str, Article] = {}

    def load(prefix: str) -> Article:
        if prefix not in cache:
            files = sorted((DATA / "seeds").glob(f"{prefix}_*.txt"))
            if not files:
                pytest.skip(f"seed {prefix} not available under {DATA}")
            raw = RawDocument(str(files[0]), files[0].read_bytes(), "text")
            cache[prefix] = clean_document(raw)
        return cache[prefix]

    return load
