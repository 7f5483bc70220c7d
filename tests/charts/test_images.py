"""The images `make images` builds hold every first-party package their component imports.

No Docker engine here, so the Dockerfiles are read rather than built: a component whose image
lacks a package it imports starts and dies on its first import (the agent's image lacked
`contract/` until 2026-12-03). Imports are read with `ast`, first-party ones followed through.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.conftest import ROOT

FIRST_PARTY = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
COPIED = re.compile(r"^COPY\s+(?!--from)(\S+)/\s", re.MULTILINE)


def imported_packages(package: str, seen: set[str] | None = None) -> set[str]:
    """First-party top-level packages that `package`'s modules import, and theirs in turn."""
    seen = seen if seen is not None else {package}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for top in {n.split(".")[0] for n in names} & FIRST_PARTY - seen:
                seen.add(top)
                imported_packages(top, seen)
    return seen


@pytest.mark.parametrize("component", ["agent", "predictors", "rollout"])
def test_each_image_copies_what_its_component_imports(component):
    dockerfile = (ROOT / component / "Dockerfile").read_text()
    copied = set(COPIED.findall(dockerfile))
    needed = imported_packages(component)
    assert component in copied
    assert needed <= copied, f"{component}/Dockerfile lacks COPY for {sorted(needed - copied)}"
