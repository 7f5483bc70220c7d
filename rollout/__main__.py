"""`python -m rollout`: run the operator (kopf) with settings from CCAI_ROLLOUT_*.

Ports: `CCAI_ROLLOUT_PORT` (8080) serves /metrics and /webhooks/mlflow; `CCAI_ROLLOUT_HEALTH_PORT`
(8081) serves /healthz (kopf's liveness endpoint).
"""

from __future__ import annotations

import asyncio
import logging

from rollout.operator import run
from rollout.settings import RolloutSettings


def main() -> None:
    settings = RolloutSettings()
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        force=True,
    )
    # kopf logs every timer invocation at INFO ("Timer ... succeeded"): keep its object logs quiet.
    logging.getLogger("kopf.objects").setLevel(logging.WARNING)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
