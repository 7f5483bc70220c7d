"""`python -m agent`: serve the agent with uvicorn, JSON logs, settings from CCAI_AGENT_*."""

from __future__ import annotations

import logging

import uvicorn
from pythonjsonlogger.json import JsonFormatter

from agent.app import build_app
from agent.settings import AgentSettings


def main() -> None:
    settings = AgentSettings()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    uvicorn.run(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,  # access lines carry nothing useful and cost throughput
    )


if __name__ == "__main__":
    main()
