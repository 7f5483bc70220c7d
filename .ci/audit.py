"""Security checks of `make audit` (and so of .ci/run): bandit on the code, pip-audit on .venv.

    python .ci/audit.py --site-packages .venv/lib/python3.11/site-packages --out .run/audit

- bandit (`.ci/bandit.yaml`): any medium or high severity finding fails, each printed with its
  place. A false positive is marked `# nosec BXXX` on its line with the reason beside it.
- pip-audit on every package installed in the project's environment: a known vulnerability
  fails unless `.ci/pip-audit-ignore.txt` lists its id with a reason. The vulnerability service
  may be out of reach (these machines see only package mirrors): then the report says how many
  packages could not be audited and why, and that is not a failure, but it is never reported as
  "no vulnerabilities".
Reports (JSON) go to --out. The tools run from their own environment (`.tools/security`), so
their dependencies neither clash with the project's pins nor get audited as if they were ours.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

NETWORK_ERRORS = ("ConnectionError", "Max retries", "Name or service not known", "timed out")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def ignored_vulnerabilities(path: Path) -> dict[str, str]:
    """`ID  # reason` per line; an id without a reason is refused, so none is waved through."""
    ignored: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        vuln, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"{path}:{number}: {vuln.strip()} has no reason (write `ID  # why`)")
        ignored[vuln.strip()] = reason.strip()
    return ignored


def run_bandit(tools: Path, out: Path) -> bool:
    report = out / "bandit.json"
    cmd = [str(tools / "bandit"), "-c", str(HERE / "bandit.yaml"), "-r", ".", "-ll", "-q"]
    done = subprocess.run(
        [*cmd, "-f", "json", "-o", str(report)], cwd=ROOT, capture_output=True, text=True
    )
    if not report.is_file():
        print(f"bandit: did not run: {done.stderr.strip()[-500:]}")
        return False
    data = json.loads(report.read_text())
    findings = data["results"]
    totals = data["metrics"]["_totals"]
    print(f"bandit: {totals['loc']} lines, {len(findings)} medium/high findings -> {report}")
    for f in findings:
        print(f"  {f['filename']}:{f['line_number']} {f['test_id']} {f['issue_text']}")
    return not findings


def run_pip_audit(tools: Path, site_packages: Path, out: Path, ignore: dict[str, str]) -> bool:
    report = out / "pip-audit.json"
    report.unlink(missing_ok=True)
    cmd = [str(tools / "pip-audit"), "--path", str(site_packages), "--progress-spinner", "off"]
    for vuln in ignore:
        cmd += ["--ignore-vuln", vuln]
    done = subprocess.run(
        [*cmd, "-f", "json", "-o", str(report)], capture_output=True, text=True, timeout=900
    )
    if not report.is_file():  # no report at all: the service was unreachable, or a real error
        tail = (done.stderr.strip().splitlines()[-1:] or ["no output"])[0][:300]
        unreachable = any(word in done.stderr for word in NETWORK_ERRORS)
        verdict = "reported, not a failure" if unreachable else "failed"
        print(f"pip-audit: could not audit ({tail}); {verdict}")
        return unreachable
    deps = json.loads(report.read_text())["dependencies"]
    skipped = [d for d in deps if "skip_reason" in d]
    audited = [d for d in deps if "skip_reason" not in d]
    vulns = [(d, v) for d in audited for v in d.get("vulns", [])]
    print(
        f"pip-audit: {len(deps)} packages in {site_packages}, {len(audited)} audited, "
        f"{len(skipped)} not audited, {len(vulns)} known vulnerabilities "
        f"({len(ignore)} ignored with a reason) -> {report}"
    )
    reasons = Counter(d["skip_reason"].split(":")[0] for d in skipped)
    for reason, count in reasons.most_common(3):
        print(f"  not audited ({count}): {reason}")
    if deps and not audited:
        print("  no package could be audited here: the vulnerability service is out of reach")
    for dep, vuln in vulns:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    return not vulns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-packages", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / ".run" / "audit")
    parser.add_argument("--ignore", type=Path, default=HERE / "pip-audit-ignore.txt")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tools = Path(sys.executable).parent
    ok = run_bandit(tools, args.out)
    ok &= run_pip_audit(tools, args.site_packages, args.out, ignored_vulnerabilities(args.ignore))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
