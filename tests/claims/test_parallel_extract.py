"""A large batch parsed by two processes gives what one process gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from newstrace import claims, settings
from newstrace.records import Article, article_id

POLNEAR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "polnear" / "train"


def test_parallel_extract_equals_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted((POLNEAR / "text").glob("*.txt"))[:6]
    articles = [Article(id=article_id(p.read_text(), p.name), source=p.name,
                        text=p.read_text()) for p in paths]
    monkeypatch.setattr(claims, "MIN_PARALLEL", 2)
    monkeypatch.setattr(settings, "_current", replace(settings.current(), processes=1))
    serial = claims.extract(articles)
    monkeypatch.setattr(settings, "_current", replace(settings.current(), processes=2))
    shared = claims.extract(articles)
    assert shared == serial and len(serial[1]) > 10
