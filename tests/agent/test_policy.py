"""The agent's per-version policy read from a real MLflow registry (agent/policy.py): the tags
the register stage writes, and what happens when a version's tags cannot be used."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest
from mlflow import MlflowClient

from agent.policy import BLEND_TAG, TAG, PolicySource
from agent.settings import AgentSettings

MODEL = "callcenter-svm-policy-test"


@pytest.fixture(scope="module")
def versions(mlflow_server) -> dict[str, str]:
    """One registered version per tag set; no artefact is needed to read tags."""
    client = MlflowClient(mlflow_server)
    client.create_registered_model(MODEL)
    out = {}
    for case, blend in (("valid", "0.3"), ("out_of_range", "1.7"), ("not_a_number", "abc")):
        version = client.create_model_version(
            MODEL,
            source="s3://callcenterai-test/no-artefact",
            tags={TAG: "0.42", BLEND_TAG: blend, "router.long_words": "120"},
        )
        out[case] = version.version
    return out


async def settled_policy(settings: AgentSettings, version: str):
    """Polls until the version's tags are fetched (the first call starts the fetch)."""
    async with aiohttp.ClientSession() as http:
        source = PolicySource(settings, http)
        deadline = time.monotonic() + 30
        while source.tags_for(MODEL, version) is None:
            assert time.monotonic() < deadline, "tags never arrived"
            await asyncio.sleep(0.05)
        return source.routing(MODEL, version), source.policy


def test_a_version_is_routed_with_its_own_threshold_and_blend(mlflow_server, versions):
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server, svm_threshold=0.6)
    policy, _ = asyncio.run(settled_policy(settings, versions["valid"]))
    assert policy.svm_threshold == 0.42 and policy.blend_weight == 0.3
    assert policy.threshold_source == f"calibrated for {MODEL} v{versions['valid']}"


@pytest.mark.parametrize("case", ["out_of_range", "not_a_number"])
def test_a_malformed_blend_weight_falls_back_to_the_default_policy(
    mlflow_server, versions, case, caplog
):
    """A bad `router.blend_weight` is not half-applied: the version gets the default policy
    (default threshold, no blend), and the error names the version."""
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server, svm_threshold=0.6)
    with caplog.at_level(logging.ERROR, logger="agent.policy"):
        policy, default = asyncio.run(settled_policy(settings, versions[case]))
    assert policy == default
    assert (policy.svm_threshold, policy.blend_weight) == (0.6, 0.0)
    assert f"malformed router tags on {MODEL} v{versions[case]}" in caplog.text
