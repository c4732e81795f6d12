"""``python -m newstrace.spark INPUT... --out DIR`` (also the file to give ``spark-submit``)."""

from __future__ import annotations

import sys

from newstrace.spark.job import main

if __name__ == "__main__":
    sys.exit(main())
