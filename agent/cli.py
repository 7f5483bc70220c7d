"""`callcenterai classify`: the agent from a terminal, one ticket or a whole CSV file.

    callcenterai classify "my laptop screen is broken"
    callcenterai classify --file tickets.csv --out predictions.csv
    callcenterai review [--band review] [--limit 20]
    callcenterai feedback REQUEST_ID CATEGORY [--note "..."] [--replace]

Talks to a running agent (`--url`, default $CCAI_CLIENT_URL or http://127.0.0.1:8000) with a
bearer token (`--api-key`, default $CCAI_CLIENT_API_KEY). Every input row gets an output row: bad
rows carry the reason in the `error` column, nothing is dropped.

Client variables are `CCAI_CLIENT_*`: `CCAI_AGENT_*` are the agent server's settings (its
`CCAI_AGENT_API_KEYS` lists the keys it accepts). The older `CCAI_AGENT_URL` and `CCAI_API_KEY`
are still read.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import httpx
from tqdm import tqdm

DEFAULT_URL = "http://127.0.0.1:8000"


def client_env(name: str, old_name: str, default: str | None = None) -> str | None:
    """`CCAI_CLIENT_<name>`, else the variable's older name, else `default`."""
    return os.environ.get(f"CCAI_CLIENT_{name}") or os.environ.get(old_name) or default


OUTPUT_COLUMNS = [
    "request_id",
    "category",
    "confidence",
    "band",  # "auto": route it; "review": a person looks first
    "top_k",  # "Hardware:0.62|Access:0.21|Storage:0.09"
    "model",
    "decision",
    "rationale",
    "redacted_text",
    "error",
]
BATCH = 32


def client(args: argparse.Namespace) -> httpx.Client:
    headers = {"authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    return httpx.Client(base_url=args.url, headers=headers, timeout=60)


def summarize(result: dict) -> dict:
    return {
        "request_id": result["request_id"],
        "category": result["category"],
        "confidence": result["confidence"],
        "band": result["band"],
        "top_k": "|".join(f"{t['category']}:{t['probability']:.2f}" for t in result["top_k"]),
        "model": result["model"],
        "decision": result["route"]["decision"],
        "rationale": result["route"]["rationale"],
        "redacted_text": result["pii"]["redacted_text"],
        "error": "",
    }


def reason(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(detail, list):
        return "; ".join(f"{d.get('field')}: {d.get('reason')}" for d in detail)
    return f"HTTP {response.status_code}: {detail}"


def classify_rows(http: httpx.Client, texts: list[str]) -> list[dict]:
    """One batch call; if the agent refuses the batch, ticket by ticket to pin each bad row."""
    response = http.post("/v1/classify/batch", json={"tickets": [{"text": t} for t in texts]})
    if response.status_code == 200:
        return [summarize(r) for r in response.json()["results"]]
    if response.status_code in (401, 503):
        raise SystemExit(f"error: agent answered {reason(response)}")
    rows = []
    for text in texts:
        single = http.post("/v1/classify", json={"text": text})
        rows.append(
            summarize(single.json())
            if single.status_code == 200
            else {**dict.fromkeys(OUTPUT_COLUMNS, ""), "error": reason(single)}
        )
    return rows


def classify_file(args: argparse.Namespace) -> None:
    with args.file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or args.text_column not in reader.fieldnames:
            raise SystemExit(f"error: {args.file}: no column {args.text_column!r}")
        rows = list(reader)
    out_columns = [c for c in reader.fieldnames if c not in OUTPUT_COLUMNS] + OUTPUT_COLUMNS
    errors = 0
    with client(args) as http, args.out.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, out_columns, extrasaction="ignore")
        writer.writeheader()
        for start in tqdm(range(0, len(rows), BATCH), desc="classify", unit="batch"):
            chunk = rows[start : start + BATCH]
            for row, result in zip(
                chunk, classify_rows(http, [r[args.text_column] or "" for r in chunk]), strict=True
            ):
                errors += bool(result["error"])
                writer.writerow({**row, **result})
    print(f"{len(rows) - errors} classified, {errors} with errors -> {args.out}")


def classify_text(args: argparse.Namespace) -> None:
    with client(args) as http:
        response = http.post("/v1/classify", json={"text": args.text})
    if response.status_code != 200:
        raise SystemExit(f"error: {reason(response)}")
    result = response.json()
    print(f"{result['category']}  ({result['confidence']:.2f}, {result['model']})")
    print(f"band:     {result['band']}")
    top = ", ".join(f"{t['category']} {t['probability']:.2f}" for t in result["top_k"])
    print(f"top:      {top}")
    print(f"why:      {result['route']['rationale']}")
    print(f"redacted: {result['pii']['redacted_text']}")


def list_review(args: argparse.Namespace) -> None:
    params = {"limit": args.limit, **({"band": args.band} if args.band != "all" else {})}
    with client(args) as http:
        response = http.get("/v1/review", params=params)
    if response.status_code != 200:
        raise SystemExit(f"error: {reason(response)}")
    body = response.json()
    print(f"{body['queue_length']} answers wait in the review band; newest {len(body['items'])}:")
    for item in body["items"]:
        text = " ".join(item["redacted_text"].split())
        print(
            f"{item['request_id']}  {item['category']} ({item['confidence']:.2f}, "
            f"{item['band']}: {item['reason']})  {text[:70]}"
        )


def send_feedback(args: argparse.Namespace) -> None:
    body = {"request_id": args.request_id, "category": args.category, "replace": args.replace}
    if args.note:
        body["note"] = args.note
    with client(args) as http:
        response = http.post("/v1/feedback", json=body)
    if response.status_code != 200:
        raise SystemExit(f"error: {reason(response)}")
    out = response.json()
    print(f"{out['request_id']}: {out['feedback']['verdict']} as {out['feedback']['category']}")


def show_mix(args: argparse.Namespace) -> None:
    with client(args) as http:
        response = http.get("/v1/traffic-mix")
    if response.status_code != 200:
        raise SystemExit(f"error: {reason(response)}")
    body = response.json()
    state = "in use" if body["active"] else f"not in use until {body['min_reviews']} are reviewed"
    print(f"desk mix from {body['reviewed']} reviewed and {body['auto']} auto answers: {state}")
    for category, share in sorted(body["mix"].items(), key=lambda c: -c[1]):
        print(f"  {share:6.1%}  {category}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="callcenterai", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("classify", help="classify a ticket text or a CSV file")
    cmd.add_argument("text", nargs="?")
    cmd.add_argument("--file", type=Path)
    cmd.add_argument("--out", type=Path)
    cmd.add_argument("--text-column", default="text")
    review = sub.add_parser("review", help="list answers that wait for a person")
    review.add_argument("--band", choices=["review", "auto", "all"], default="review")
    review.add_argument("--limit", type=int, default=20)
    feedback = sub.add_parser("feedback", help="confirm or correct an answer")
    feedback.add_argument("request_id")
    feedback.add_argument("category")
    feedback.add_argument("--note")
    feedback.add_argument("--replace", action="store_true", help="overwrite earlier feedback")
    mix = sub.add_parser("mix", help="the desk's category mix the answers are moved onto")
    for each in (cmd, review, feedback, mix):
        each.add_argument("--url", default=client_env("URL", "CCAI_AGENT_URL", DEFAULT_URL))
        each.add_argument("--api-key", default=client_env("API_KEY", "CCAI_API_KEY"))
    args = parser.parse_args(argv)
    try:
        if args.command == "review":
            list_review(args)
        elif args.command == "feedback":
            send_feedback(args)
        elif args.command == "mix":
            show_mix(args)
        elif args.file:
            if not args.out:
                parser.error("--file needs --out")
            classify_file(args)
        elif args.text:
            classify_text(args)
        else:
            parser.error("give a ticket text or --file")
    except httpx.TransportError as exc:
        sys.exit(f"error: cannot reach the agent at {args.url} ({type(exc).__name__}); is it up?")


if __name__ == "__main__":
    main()
