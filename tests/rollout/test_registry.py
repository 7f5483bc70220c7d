"""Registry look-ups against a real MLflow server (and the URI helpers)."""

from __future__ import annotations

import aiohttp
import pytest

from devtools.harness import free_port
from rollout.decide import (
    ALIAS_NOT_SET,
    ARTIFACTS_MISSING,
    REGISTRY_UNAVAILABLE,
    VERSION_NOT_FOUND,
)
from rollout.model import RolloutSpec
from rollout.registry import Registry, map_uri, mlflow_artifacts_path
from rollout.settings import RolloutSettings
from tests.rollout.harness import Registered

pytestmark = pytest.mark.timeout(120)
session_loop = pytest.mark.asyncio(loop_scope="session")


def test_uri_map_rewrites_the_longest_prefix():
    mapping = {"mlflow-artifacts:/": "s3://mlflow/artifacts/", "mlflow-artifacts:/9/": "gs://b/"}
    assert map_uri("mlflow-artifacts:/1/r/artifacts/model", mapping) == (
        "s3://mlflow/artifacts/1/r/artifacts/model"
    )
    assert map_uri("mlflow-artifacts:/9/r/model", mapping) == "gs://b/r/model"
    assert map_uri("s3://other/model", mapping) == "s3://other/model"


def test_mlflow_artifacts_paths():
    assert (
        mlflow_artifacts_path("mlflow-artifacts:/1/abc/artifacts/model") == "1/abc/artifacts/model"
    )
    assert mlflow_artifacts_path("mlflow-artifacts://mlflow:5000/1/a/model") == "1/a/model"
    assert mlflow_artifacts_path("s3://bucket/model") is None


def spec(model: str, **kw) -> RolloutSpec:
    return RolloutSpec(model=model, inference_service="isvc", **kw)


@session_loop
async def test_resolve_against_a_real_registry(mlflow_server):
    model = Registered(mlflow_server, prefix="rollout-reg")
    settings = RolloutSettings(
        mlflow_tracking_uri=mlflow_server,
        registry_poll_s=60,
        uri_map={"mlflow-artifacts:/": "s3://mlflow/artifacts/"},
    )
    async with aiohttp.ClientSession() as session:
        registry = Registry(settings, session)
        view = await registry.resolve(spec(model.name))
        assert (view.version, view.problem) == (None, ALIAS_NOT_SET)

        v1, source = model.add_version()
        model.point(v1)
        assert (await registry.resolve(spec(model.name))).problem == ALIAS_NOT_SET  # cached
        registry.invalidate(model.name)  # what a webhook does
        view = await registry.resolve(spec(model.name))
        assert (view.version, view.problem) == (v1, None)
        assert view.uri == source.replace("mlflow-artifacts:/", "s3://mlflow/artifacts/")

        v2, _ = model.add_version(with_artifacts=False)
        view = await registry.resolve(spec(model.name, version=v2))
        assert (view.version, view.problem) == (v2, ARTIFACTS_MISSING)
        assert "no MLmodel" in view.detail

        view = await registry.resolve(spec(model.name, version="99"))
        assert (view.version, view.problem) == ("99", VERSION_NOT_FOUND)
        view = await registry.resolve(spec("no-such-model-anywhere"))
        assert view.problem == ALIAS_NOT_SET

        await registry.set_tags(model.name, v1, {"rollout.result": "succeeded"})
        await registry.set_alias(model.name, "production", v2)
        assert model.alias() == v2
        tags = model.client.get_model_version(model.name, v1).tags
        assert tags["rollout.result"] == "succeeded"


@session_loop
async def test_unreachable_registry_is_transient():
    settings = RolloutSettings(
        mlflow_tracking_uri=f"http://127.0.0.1:{free_port()}", registry_timeout_s=2
    )
    async with aiohttp.ClientSession() as session:
        view = await Registry(settings, session).resolve(spec("m"))
    assert view.problem == REGISTRY_UNAVAILABLE and view.transient
