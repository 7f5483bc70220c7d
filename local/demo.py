"""Send the demo tickets through the running agent and print what happened to each."""

from __future__ import annotations

import csv
import sys
import textwrap
from pathlib import Path

import httpx

from local.stack import endpoints, load_env

TICKETS = Path(__file__).with_name("demo_tickets.csv")


def main() -> None:
    env = load_env()
    agent_url = endpoints(env)["agent"][0]
    with TICKETS.open(encoding="utf-8") as handle:
        tickets = list(csv.DictReader(handle))
    print(f"\n{len(tickets)} tickets through {agent_url}/v1/classify\n")
    columns = f"{'lang':4} {'category':22} {'conf':>5} {'band':6} {'model':12} {'ms':>6}"
    header = f"{columns}\n     ticket as the models saw it (personal data replaced), then why"
    print(header)
    print("-" * len(header))
    with httpx.Client(base_url=agent_url, timeout=60) as http:
        for ticket in tickets:
            response = http.post("/v1/classify", json={"text": ticket["text"]})
            if response.status_code != 200:
                sys.exit(f"error: agent answered HTTP {response.status_code}: {response.text}")
            r = response.json()
            model = r["model"].removeprefix("callcenter-")
            print(
                f"{r['route']['language']:4} {r['category']:22} {r['confidence']:>5.2f} "
                f"{r['band']:6} {model:12} {r['latency_ms']:>6.1f}"
            )
            for line in textwrap.wrap(r["pii"]["redacted_text"], 90):
                print(f"{'':5}{line}")
            top = ", ".join(f"{t['category']} {t['probability']:.2f}" for t in r["top_k"])
            print(f"{'':5}top 3: {top}")
            print(f"{'':5}why: {r['route']['rationale']}\n")


if __name__ == "__main__":
    main()
