"""Put the input data set at data/raw/tickets.csv, the one path the DVC pipeline depends on.

Source, first found: `--source`/`CCAI_PIPELINE_DATA_PATH`; the full data set beside the checkout
(`../shared/data/it_tickets.csv`); the full data set committed gzipped (`data/full/`, CC0, see
its README), so every clone trains on all 47,837 tickets without credentials. `--kaggle`
downloads the original file for users with Kaggle credentials. The full file is checked against
its md5 whichever way it came, so a truncated or altered copy never trains a model. The copy is
skipped when the bytes are the same, so DVC sees no change and `dvc repro` stays a no-op.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import logging
import os
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from pipelines.cli import StageError, run
from pipelines.params import PipelineSettings

log = logging.getLogger("pipelines.fetch")

FULL_DATA = Path("../shared/data/it_tickets.csv")
COMMITTED_FULL_DATA = Path("data/full/it_tickets.csv.gz")
FULL_DATA_MD5 = "a05aa13d753884547cc46e6f525bfb82"  # the Kaggle file, byte for byte
SAMPLE = Path("data/sample.csv")
KAGGLE_DATASET = "adisongoh/it-service-ticket-classification-dataset"
KAGGLE_FILE = "all_tickets_processed_improved_v3.csv"


def resolve_source(explicit: Path | None) -> Path:
    """The data set a run uses, so `make train` on our machines trains on the full file."""
    if explicit is not None:
        if not explicit.is_file():
            raise StageError(f"{explicit}: data file not found")
        return explicit
    for candidate in (FULL_DATA, COMMITTED_FULL_DATA):
        if candidate.is_file():
            return candidate
    return SAMPLE


def read_bytes(source: Path) -> bytes:
    """The file's content; `.gz` files are decompressed."""
    if source.suffix == ".gz":
        with gzip.open(source) as handle:
            return handle.read()
    return source.read_bytes()


def checked_full_data(content: bytes, source: Path) -> bytes:
    """The full data set's bytes, refused when they are not the published file's."""
    digest = hashlib.md5(content, usedforsecurity=False).hexdigest()
    if digest != FULL_DATA_MD5:
        raise StageError(
            f"{source}: md5 {digest}, expected {FULL_DATA_MD5} (the Kaggle file): the copy is "
            "truncated or altered; fetch it again"
        )
    return content


def kaggle_credentials() -> tuple[str, str]:
    user, key = os.environ.get("KAGGLE_USERNAME"), os.environ.get("KAGGLE_KEY")
    token = Path.home() / ".kaggle" / "kaggle.json"
    if not (user and key) and token.is_file():
        data = json.loads(token.read_text())
        user, key = data.get("username"), data.get("key")
    if not (user and key):
        raise StageError(
            "no Kaggle credentials: set KAGGLE_USERNAME and KAGGLE_KEY or create "
            "~/.kaggle/kaggle.json (Kaggle > Settings > API > Create New Token)"
        )
    return user, key


def download_kaggle(dest: Path, timeout: float = 30.0) -> Path:
    """Fetch the original Kaggle CSV through Kaggle's public download API."""
    user, key = kaggle_credentials()
    url = f"https://www.kaggle.com/api/v1/datasets/download/{KAGGLE_DATASET}"
    auth = base64.b64encode(f"{user}:{key}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {auth}"})
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as exc:
        raise StageError(f"Kaggle answered HTTP {exc.code} for {url}: check credentials") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StageError(f"cannot reach Kaggle ({reason}); offline? use --source FILE") from None
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(checked_full_data(archive.read(KAGGLE_FILE), dest))
    return dest


def place(source: Path, dest: Path, full: bool = False) -> bool:
    """Write source's content to dest unless identical; returns whether anything changed."""
    content = read_bytes(source)
    if full:
        checked_full_data(content, source)
    if dest.is_file() and dest.read_bytes() == content:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(content)
    return True


def main() -> None:
    settings = PipelineSettings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=settings.data_path)
    parser.add_argument("--kaggle", action="store_true", help="download from Kaggle first")
    args = parser.parse_args()
    if args.kaggle:
        source = download_kaggle(Path(".cache/kaggle") / KAGGLE_FILE)
    else:
        source = resolve_source(args.source)
    # A Kaggle download was checked as it arrived; the other full copies are checked here.
    changed = place(source, settings.raw_path, source in (FULL_DATA, COMMITTED_FULL_DATA))
    log.info("data: %s -> %s (%s)", source, settings.raw_path, "updated" if changed else "same")


if __name__ == "__main__":
    run(main)
