"""`dvc repro` really runs the stages, and a second repro with nothing changed runs nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # `dvc repro` trains on the sample, twice


def dvc(cwd: Path, *args: str) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["dvc", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_repro_twice_is_a_noop(tmp_path):
    repo = tmp_path / "repo"
    for item in ("contract", "pipelines", "dvc.yaml", "params.yaml", ".dvc/config", ".dvcignore"):
        source = ROOT / item
        target = repo / item
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    (repo / "data" / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "sample.csv", repo / "data" / "raw" / "tickets.csv")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)

    first = dvc(repo, "repro", "train_svm")
    assert "Running stage 'prepare'" in first
    assert "Running stage 'train_svm'" in first
    assert (repo / "models" / "svm" / "MLmodel").is_file()
    assert (repo / "dvc.lock").is_file()

    second = dvc(repo, "repro", "train_svm")
    assert "Running stage" not in second
    assert "didn't change" in second or "up to date" in second.lower()
