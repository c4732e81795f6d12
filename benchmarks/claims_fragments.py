"""Claims that are no claims: the share of claims under four words on PolNeAR texts.

    python benchmarks/claims_fragments.py [--split dev]

Runs the claims stage on every text of the split and counts the claims whose text is
under four words ("that", "it", "Trump", "the allegations"): attributed fragments, not
propositions. Baseline, in the same run: the same stage with every attribution allowed
to make a claim (``is_proposition`` always true). The attribution spans themselves are
unchanged by the rule (``benchmarks/claims_polnear.py``).
"""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from pathlib import Path
from unittest import mock

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "polnear"


def measure(articles: list, allow_all: bool) -> tuple[int, int, Counter[str]]:
    from newstrace import claims
    from newstrace.claims import claims as grouping

    patch = mock.patch.object(grouping, "is_proposition", lambda a: True) if allow_all \
        else contextlib.nullcontext()
    with patch:
        report = claims.analyze(articles, state=None, upstream={}).report
    found = report["claims"]
    short = [c["text"].lower() for c in found if len(c["text"].split()) < 4]
    return len(found), len(short), Counter(short)


def main() -> None:
    from newstrace.records import Article, article_id

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    args = parser.parse_args()
    paths = sorted((DATA / args.split / "text").glob("*.txt"))
    articles = [Article(id=article_id(p.read_text(), p.name), source=p.name, text=p.read_text())
                for p in paths]
    for name, allow_all in (("baseline: every attribution a claim", True),
                            ("newstrace: propositions and denials", False)):
        total, short, common = measure(articles, allow_all)
        print(f"{name}: {total} claims, {short} under four words ({short / total:.1%})"
              f"; commonest: {', '.join(t for t, _ in common.most_common(6)) or '-'}")


if __name__ == "__main__":
    main()
