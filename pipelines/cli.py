"""Turns expected failures (bad data, unreachable registry) into one clear line and exit code 2."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from pipelines.data import DataError


class StageError(RuntimeError):
    """A stage cannot go on for a reason the user can fix; the message says how."""


def run(main: Callable[[], None]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        main()
    except (DataError, StageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
