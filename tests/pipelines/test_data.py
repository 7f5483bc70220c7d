"""Bad data gives one clear line naming file, row and problem, and a non-zero exit."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import fetch
from pipelines.cli import StageError
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


def test_source_prefers_explicit_then_full_then_committed_full_then_sample(tmp_path, monkeypatch):
    explicit = write(tmp_path, b"Document,Topic_group\na,Access\n")
    assert resolve_source(explicit) == explicit
    expected = fetch.FULL_DATA if fetch.FULL_DATA.is_file() else fetch.COMMITTED_FULL_DATA
    assert resolve_source(None) == expected
    # A clone without ../shared (anyone cloning from GitHub) still gets the full data set.
    monkeypatch.setattr(fetch, "FULL_DATA", tmp_path / "absent.csv")
    assert resolve_source(None) == fetch.COMMITTED_FULL_DATA
    monkeypatch.setattr(fetch, "COMMITTED_FULL_DATA", tmp_path / "absent.csv.gz")
    assert resolve_source(None) == fetch.SAMPLE


def test_committed_full_data_is_the_published_file(tmp_path):
    """The gzipped copy in data/full/ holds the Kaggle file byte for byte (its md5), and fetch
    writes exactly those bytes for DVC."""
    dest = tmp_path / "raw" / "tickets.csv"
    assert fetch.place(fetch.COMMITTED_FULL_DATA, dest, full=True)
    content = dest.read_bytes()
    assert hashlib.md5(content, usedforsecurity=False).hexdigest() == fetch.FULL_DATA_MD5
    assert content.count(b"\n") == 47_837 + 1  # the rows and the header
    assert not fetch.place(fetch.COMMITTED_FULL_DATA, dest, full=True), "same bytes: no change"


def test_a_damaged_full_data_copy_is_refused(tmp_path):
    damaged = tmp_path / "it_tickets.csv.gz"
    with gzip.open(fetch.COMMITTED_FULL_DATA) as source, gzip.open(damaged, "wb") as out:
        out.write(source.read()[:-1000])  # a truncated copy
    dest = tmp_path / "tickets.csv"
    with pytest.raises(StageError, match=f"expected {fetch.FULL_DATA_MD5}"):
        fetch.place(damaged, dest, full=True)
    assert not dest.exists(), "nothing of a damaged copy reaches the pipeline"


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
