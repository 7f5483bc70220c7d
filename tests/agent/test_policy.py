"""The agent's per-version policy read from a real MLflow registry (agent/policy.py): the tags
the register stage writes, and what happens when a version's tags cannot be used."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest
from mlflow import MlflowClient

from agent.policy import BLEND_NON_ENGLISH_TAG, BLEND_TAG, TAG, PolicySource
from agent.settings import AgentSettings
from contract.bands import TAG_CONFIDENCE, TAG_FAMILIARITY
from contract.prior import TAG_PRIOR

MODEL = "callcenter-svm-policy-test"
NO_ARTEFACT = "s3://callcenterai-test/no-artefact"  # tags are all the agent reads


@pytest.fixture(scope="module")
def versions(mlflow_server) -> dict[str, str]:
    """One registered version per tag set; no artefact is needed to read tags."""
    client = MlflowClient(mlflow_server)
    client.create_registered_model(MODEL)
    out = {}
    cases = (
        ("valid", {BLEND_TAG: "0.3"}),
        ("out_of_range", {BLEND_TAG: "1.7"}),
        ("not_a_number", {BLEND_TAG: "abc"}),
        ("by_language", {BLEND_TAG: "0.3", BLEND_NON_ENGLISH_TAG: "0.8"}),
        ("non_english_out_of_range", {BLEND_TAG: "0.3", BLEND_NON_ENGLISH_TAG: "-0.1"}),
    )
    for case, blend in cases:
        version = client.create_model_version(
            MODEL,
            source=NO_ARTEFACT,
            tags={TAG: "0.42", **blend, "router.long_words": "120"},
        )
        out[case] = version.version
    bands = {
        "band_valid": {TAG_CONFIDENCE: "0.9000", TAG_FAMILIARITY: "0.8000"},
        "band_malformed": {TAG_CONFIDENCE: "high", TAG_FAMILIARITY: "0.8000"},
        "band_none_earned": {TAG_CONFIDENCE: "1.0100", TAG_FAMILIARITY: "0.8603"},
    }
    for case, tags in bands.items():
        version = client.create_model_version(MODEL, source=NO_ARTEFACT, tags=tags)
        out[case] = version.version
    return out


async def settled(settings: AgentSettings, version: str):
    """Polls until the version's tags are fetched (the first call starts the fetch); then its
    routing policy, the default one and its band."""
    async with aiohttp.ClientSession() as http:
        source = PolicySource(settings, http)
        deadline = time.monotonic() + 30
        while source.tags_for(MODEL, version) is None:
            assert time.monotonic() < deadline, "tags never arrived"
            await asyncio.sleep(0.05)
        return source.routing(MODEL, version), source.policy, source.band(MODEL, version)


def test_a_version_is_routed_with_its_own_threshold_and_blend(mlflow_server, versions):
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server, svm_threshold=0.6)
    policy, _, _ = asyncio.run(settled(settings, versions["valid"]))
    assert policy.svm_threshold == 0.42 and policy.blend_weight == 0.3
    assert policy.threshold_source == f"calibrated for {MODEL} v{versions['valid']}"
    # Calibrated before non-English tickets had a weight of their own: one weight for all.
    assert policy.blend_weight_for("fr") == policy.blend_weight_for("en") == 0.3


def test_non_english_tickets_blend_with_their_own_weight(mlflow_server, versions):
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server, svm_threshold=0.6)
    policy, _, _ = asyncio.run(settled(settings, versions["by_language"]))
    assert policy.blend_weight_for("en") == 0.3
    assert policy.blend_weight_for("fr") == policy.blend_weight_for("ar") == 0.8


@pytest.mark.parametrize("case", ["out_of_range", "not_a_number", "non_english_out_of_range"])
def test_a_malformed_blend_weight_falls_back_to_the_default_policy(
    mlflow_server, versions, case, caplog
):
    """A bad `router.blend_weight` is not half-applied: the version gets the default policy
    (default threshold, no blend), and the error names the version."""
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server, svm_threshold=0.6)
    with caplog.at_level(logging.ERROR, logger="agent.policy"):
        policy, default, _ = asyncio.run(settled(settings, versions[case]))
    assert policy == default
    assert (policy.svm_threshold, policy.blend_weight) == (0.6, 0.0)
    assert policy.blend_weight_non_english is None
    assert f"malformed router tags on {MODEL} v{versions[case]}" in caplog.text


def test_band_tags_as_the_agent_reads_them(mlflow_server, versions, caplog):
    """A version's band thresholds; none when a tag cannot be read (every answer to review,
    the error names the version); an unearned band keeps its familiarity threshold."""
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server)
    *_, band = asyncio.run(settled(settings, versions["band_valid"]))
    assert (band.confidence, band.familiarity, band.earned) == (0.9, 0.8, True)
    with caplog.at_level(logging.ERROR, logger="agent.policy"):
        *_, band = asyncio.run(settled(settings, versions["band_malformed"]))
    assert band is None
    assert f"malformed band tags on {MODEL} v{versions['band_malformed']}" in caplog.text
    *_, band = asyncio.run(settled(settings, versions["band_none_earned"]))
    assert (band.earned, band.familiarity) == (False, 0.8603)


def test_a_versions_training_prior_as_the_agent_reads_it(mlflow_server, versions, caplog):
    """Parsed once per version; a malformed tag gives no prior (answers stay as the model gave
    them) and the error names the version; a version without the tag has none. (`versions`
    registers the model.)"""
    client = MlflowClient(mlflow_server)
    cases = {"valid": '{"a": 0.75, "b": 0.25}', "malformed": '{"a": 2}', "absent": None}
    mine = {
        case: client.create_model_version(
            MODEL, source=NO_ARTEFACT, tags={TAG_PRIOR: tag} if tag else {}
        ).version
        for case, tag in cases.items()
    }
    settings = AgentSettings(mlflow_tracking_uri=mlflow_server)

    async def priors() -> dict:
        async with aiohttp.ClientSession() as http:
            source = PolicySource(settings, http)
            deadline = time.monotonic() + 30
            while any(source.tags_for(MODEL, v) is None for v in mine.values()):
                assert time.monotonic() < deadline, "tags never arrived"
                await asyncio.sleep(0.05)
            return {case: source.prior(MODEL, v) for case, v in mine.items()}

    with caplog.at_level(logging.ERROR, logger="agent.policy"):
        found = asyncio.run(priors())
    assert found == {"valid": {"a": 0.75, "b": 0.25}, "malformed": None, "absent": None}
    assert f"malformed {TAG_PRIOR} on {MODEL} v{mine['malformed']}" in caplog.text
