"""Fixtures the agent's store tests share."""

from __future__ import annotations

import pytest


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)],  # a server starts
)
def store_url(request, tmp_path_factory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/review.db"
    return request.getfixturevalue("postgres_server").url
