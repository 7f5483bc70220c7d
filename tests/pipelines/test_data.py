"""Bad data gives one clear line naming file, row and problem, and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.data import DataError, read_tickets
from pipelines.fetch import download_kaggle, resolve_source
from pipelines.params import load_params
from tests.conftest import ROOT

LABELS = load_params(ROOT / "params.yaml").data.labels


def write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "tickets.csv"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"Document,Label\nhello,Access\n", "missing column(s) Topic_group"),
        (
            b"Document,Topic_group\nreset password,Access\nprinter jam,Printers\n",
            "row 3: unknown label",
        ),
        (b"Document,Topic_group\nreset password,Access\n  ,Hardware\n", "row 3: empty Document"),
        (
            b"Document,Topic_group\nreset password,Access\ncaf\xe9 machine,Hardware\n",
            "line 3: not valid UTF-8",
        ),
        (b"Document,Topic_group\n", "header only"),
    ],
)
def test_bad_data_is_named(tmp_path, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(DataError) as error:
        read_tickets(path, LABELS)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_good_data_reads(tmp_path):
    path = write(tmp_path, b'Document,Topic_group\n"reset, password",Access\nlaptop,Hardware\n')
    frame = read_tickets(path, LABELS)
    assert frame["Document"].tolist() == ["reset, password", "laptop"]


def test_prepare_cli_reports_one_line_without_traceback(tmp_path):
    path = write(tmp_path, b"Document,Topic_group\nreset password,Access\nx,Nope\n")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.prepare"],
        cwd=ROOT,
        env={
            "PATH": str(Path(sys.executable).parent),
            "CCAI_PIPELINE_RAW_PATH": str(path),
            "CCAI_PIPELINE_SPLITS_DIR": str(tmp_path / "splits"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {path}: row 3: unknown label 'Nope'; expected one of {', '.join(sorted(LABELS))}"
    ]


def test_source_prefers_explicit_then_full_then_sample(tmp_path):
    explicit = write(tmp_path, b"Document,Topic_group\na,Access\n")
    assert resolve_source(explicit) == explicit
    assert resolve_source(None).name in {"it_tickets.csv", "sample.csv"}


def test_kaggle_without_credentials_says_how(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KAGGLE_USERNAME", raising=False)
    monkeypatch.delenv("KAGGLE_KEY", raising=False)
    with pytest.raises(Exception, match="no Kaggle credentials"):
        download_kaggle(tmp_path / "out.csv")


def test_kaggle_offline_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "not-a-key")
    with pytest.raises(Exception, match=r"cannot reach Kaggle|Kaggle answered HTTP"):
        download_kaggle(tmp_path / "out.csv", timeout=5)
