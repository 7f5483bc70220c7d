"""Splits are disjoint, stratified, reproducible and written once for every stage."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from pipelines.params import load_params
from pipelines.prepare import SPLITS, prepare
from tests.conftest import ROOT


def test_splits_disjoint_stratified_reproducible(tmp_path):
    params = load_params(ROOT / "params.yaml")
    counts = prepare(ROOT / "data" / "sample.csv", tmp_path / "a", params)
    prepare(ROOT / "data" / "sample.csv", tmp_path / "b", params)
    frames = {name: pd.read_csv(tmp_path / "a" / f"{name}.csv") for name in SPLITS}
    assert sum(counts.values()) == 2000
    assert counts["test"] == 400 and counts["val"] == 200
    texts = {name: set(frame["Document"]) for name, frame in frames.items()}
    assert not texts["train"] & texts["val"]
    assert not texts["train"] & texts["test"]
    assert not texts["val"] & texts["test"]
    whole = pd.read_csv(ROOT / "data" / "sample.csv")["Topic_group"].value_counts(normalize=True)
    for frame in frames.values():
        share = frame["Topic_group"].value_counts(normalize=True)
        assert (share - whole).abs().max() < 0.02
    for name in SPLITS:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (
            tmp_path / "b" / f"{name}.csv"
        ).read_bytes()
    assert list(frames["test"].columns) == ["Document", "Topic_group"]


def test_transformer_can_never_be_fitted_on_the_test_split():
    with pytest.raises(ValidationError, match="fit_splits"):
        load_params(ROOT / "params.yaml", {"transformer": {"fit_splits": ["train", "test"]}})
    assert load_params(ROOT / "params.yaml").transformer.fit_splits == ["train", "val"]
