"""`make demo`'s first run: the whole pipeline with params.yaml's `quick` profile, in minutes.

The stages are dvc.yaml's, in its order, each run with the command DVC runs; the profile
(`CCAI_PIPELINE_PROFILE`) swaps the hour-long fine-tune for a frozen encoder under a linear
head (pipelines.frozen_head), and every output goes under `--dir` (.run/quick), so the committed
metrics/ and DVC's models/ stay the full profile's and `dvc repro` is not fooled into thinking
its stages ran. The versions are registered like any other: `make train` later trains the full
profile, and the quality gate decides whether it replaces these.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import yaml

from pipelines.cli import StageError, run

ROOT = Path(__file__).resolve().parents[1]


def stages(dvc_file: Path) -> list[tuple[str, list[str]]]:
    """(name, argv) of every stage, in the order dvc.yaml lists them (its dependency order)."""
    spec = yaml.safe_load(dvc_file.read_text(encoding="utf-8"))["stages"]
    out = []
    for name, stage in spec.items():
        argv = shlex.split(stage["cmd"])
        if argv[0] == "python":  # the interpreter running this, as `make` puts the venv first
            argv[0] = sys.executable
        out.append((name, argv))
    return out


def profile_env(profile: str, work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CCAI_PIPELINE_PROFILE": profile,
        "CCAI_PIPELINE_SPLITS_DIR": str(work / "splits"),
        "CCAI_PIPELINE_MODELS_DIR": str(work / "models"),
        "CCAI_PIPELINE_METRICS_DIR": str(work / "metrics"),
        "CCAI_PIPELINE_FEEDBACK_PATH": str(work / "feedback" / "feedback.csv"),
    }


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--dir", type=Path, default=ROOT / ".run" / "quick")
    parser.add_argument("--dvc-file", type=Path, default=ROOT / "dvc.yaml")
    args = parser.parse_args(argv)
    env = profile_env(args.profile, args.dir.resolve())
    steps = stages(args.dvc_file)
    started = time.perf_counter()
    for number, (name, command) in enumerate(steps, 1):
        print(f"[{number}/{len(steps)}] {name} ({args.profile} profile) ...", flush=True)
        step_started = time.perf_counter()
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)
        took = time.perf_counter() - step_started
        if result.returncode != 0:
            raise StageError(
                f"stage {name} failed (exit {result.returncode}) after {minutes(took)}"
            )
        total = minutes(time.perf_counter() - started)
        print(
            f"[{number}/{len(steps)}] {name}: done in {minutes(took)} (total {total})", flush=True
        )


if __name__ == "__main__":
    run(main)
