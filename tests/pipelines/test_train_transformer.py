"""Training settings that depend on the machine the pipeline runs on."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from devtools.harness import machine
from pipelines.params import load_params
from pipelines.train_transformer import use_bf16
from tests.conftest import ROOT


def test_bf16_auto_follows_the_cpu():
    # bfloat16 autocast is ~15x slower where torch emulates it: "auto" must only pick it on CPUs
    # that have it natively, as the kernel reports them (/proc/cpuinfo).
    cpu = machine()
    if "cpu" not in cpu:
        pytest.skip("no /proc/cpuinfo to read the CPU's flags from")
    native = cpu["avx512_bf16"] or cpu["amx_bf16"]
    assert use_bf16("auto") is native
    assert use_bf16(True) is True
    assert use_bf16(False) is False


def test_bf16_setting_accepts_auto_or_a_boolean():
    assert load_params(ROOT / "params.yaml").transformer.bf16 == "auto"
    assert (
        load_params(ROOT / "params.yaml", {"transformer": {"bf16": False}}).transformer.bf16
        is False
    )
    with pytest.raises(ValidationError, match="bf16"):
        load_params(ROOT / "params.yaml", {"transformer": {"bf16": "sometimes"}})
