# Security checks and SBOMs. The tools live in their own environment (.tools/security, pins in
# pyproject.toml's `security` extra): their dependencies must not clash with the project's pins,
# and they are not part of what ships.
SEC_VENV := .tools/security
SEC_BIN := $(CURDIR)/$(SEC_VENV)/bin
SITE_PACKAGES = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')

.PHONY: audit sbom security-tools

security-tools: $(SEC_VENV)/.installed

$(SEC_VENV)/.installed: pyproject.toml
	test -x $(SEC_BIN)/python || $(PYTHON) -m venv $(SEC_VENV)
	$(SEC_BIN)/python -m pip install -q $$($(PYTHON) -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["security"]))')
	touch $@

audit: setup security-tools ## bandit on the code, pip-audit on .venv's packages (offline-tolerant); reports in .run/audit/
	$(SEC_BIN)/python .ci/audit.py --site-packages $(SITE_PACKAGES) --out $(RUN_DIR)/audit

sbom: security-tools ## CycloneDX SBOM of each image's Python environment (agent, predictor, rollout) into dist/sbom/
	$(SEC_BIN)/python .ci/sbom.py --out dist/sbom
