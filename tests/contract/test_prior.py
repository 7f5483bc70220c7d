"""Label shift (contract/prior.py): the Bayes correction, the smoothing, the registry tag."""

from __future__ import annotations

import json

import pytest

from contract.prior import desk_mix, parse_prior, prior_tag, shifted

PRIOR = {"Hardware": 0.6, "Access": 0.3, "Purchase": 0.1}


def test_a_desk_with_the_training_mix_changes_nothing():
    probs = [0.5, 0.3, 0.2]
    assert shifted(probs, ["Hardware", "Access", "Purchase"], PRIOR, PRIOR) == pytest.approx(probs)


def test_a_uniform_desk_takes_the_training_prior_out():
    """Equal evidence for Hardware and Purchase under a 6:1 prior: on a uniform desk the
    rarer category is the likelier one."""
    classes = ["Hardware", "Access", "Purchase"]
    uniform = dict.fromkeys(PRIOR, 1 / 3)
    out = shifted([0.6, 0.3, 0.1], classes, PRIOR, uniform)
    assert out == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    out = shifted([0.5, 0.2, 0.3], classes, PRIOR, uniform)
    assert max(range(3), key=out.__getitem__) == 2 and sum(out) == pytest.approx(1)


def test_the_pseudo_count_pulls_a_small_sample_towards_the_prior():
    counts = {"Purchase": 10}  # ten reviewed tickets, all Purchase
    assert desk_mix(counts, PRIOR, 0) == {"Hardware": 0, "Access": 0, "Purchase": 1}
    mix = desk_mix(counts, PRIOR, 10)
    assert mix == pytest.approx({"Hardware": 0.3, "Access": 0.15, "Purchase": 0.55})
    assert desk_mix({}, PRIOR, 0) == PRIOR  # nothing reviewed: the prior itself
    assert desk_mix({"Other": 5}, PRIOR, 0) == PRIOR  # a category the model lacks counts for none


def test_the_tag_round_trips_and_bad_tags_are_refused():
    assert parse_prior(prior_tag({"Hardware": 6, "Access": 3, "Purchase": 1})) == pytest.approx(
        PRIOR
    )
    with pytest.raises(ValueError):
        prior_tag({})
    for bad in ("[]", "{}", '{"a": 0.5}', '{"a": 1.0, "b": 0}', '{"a": null}', "not json"):
        with pytest.raises(ValueError):
            parse_prior(bad)
    assert json.loads(prior_tag({"b": 1, "a": 3})) == {"a": 0.75, "b": 0.25}
