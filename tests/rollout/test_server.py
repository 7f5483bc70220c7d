"""The webhook receiver's signature check, against MLflow's own signing code."""

from __future__ import annotations

import time

from mlflow.webhooks.delivery import _generate_hmac_signature

from rollout.server import sign, verify


def test_signature_matches_mlflow_and_is_checked():
    payload = '{"entity": "model_version_alias", "action": "created", "data": {"name": "m"}}'
    now = str(int(time.time()))
    signature = _generate_hmac_signature("s3cret", "delivery-1", now, payload)
    assert sign("s3cret", "delivery-1", now, payload) == signature
    assert verify("s3cret", "delivery-1", now, payload, signature)
    assert not verify("other", "delivery-1", now, payload, signature)
    assert not verify("s3cret", "delivery-2", now, payload, signature)
    assert not verify("s3cret", "delivery-1", now, payload + " ", signature)
    assert not verify("s3cret", "delivery-1", now, payload, "")


def test_old_or_malformed_timestamps_are_refused():
    payload = "{}"
    old = str(int(time.time()) - 3600)
    assert not verify("s", "d", old, payload, sign("s", "d", old, payload))
    assert not verify("s", "d", "yesterday", payload, sign("s", "d", "yesterday", payload))
