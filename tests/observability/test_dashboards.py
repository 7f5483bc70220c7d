"""Dashboards are generated, not hand-edited: the chart's files equal the generator's output."""

from __future__ import annotations

import json

from observability.dashboards import OUT, render


def test_chart_dashboards_match_the_generator():
    rendered = render()
    for name, text in rendered.items():
        assert (OUT / name).read_text() == text, (
            f"{name} is stale: python -m observability.dashboards"
        )


def test_panels_are_well_formed():
    for name, text in render().items():
        board = json.loads(text)
        assert board["uid"].startswith("callcenterai-")
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), name
        for p in board["panels"]:
            assert p["targets"], p["title"]
            assert all(t["expr"] and t["refId"] for t in p["targets"]), p["title"]
