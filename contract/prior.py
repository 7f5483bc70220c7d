"""Label shift: a model's probabilities moved from its training class mix to a desk's own.

The models learn the training file's mix (Hardware 28%, Administrative rights 4%), and where a
ticket is unlike what they learned they fall back on it: the outside measurement found 171 of 240
live tickets answered `Hardware`. A calibrated probability is P(category | ticket) under the
training mix; under another mix the Bayes answer is `p * mix / prior`, renormalised (Saerens et
al. 2002). The desk's mix cannot be read off unlabelled traffic here (EM reads the confidently
wrong answers as an 80% Hardware mix, `bench.prior`), so the agent estimates it from what people
reviewed (agent/traffic_mix.py). The training prior travels with each model version as a registry
tag (`TAG_PRIOR`, written by `pipelines.register`). Pure standard library: the agent, the
registration stage and `bench.prior` all use these functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

TAG_PRIOR = "train.class_prior"  # JSON {category: share of the rows the version was fit on}


def prior_tag(counts: Mapping[str, int]) -> str:
    """The tag value for a version fit on rows with these label counts."""
    total = sum(counts.values())
    if total <= 0:
        raise ValueError("no training rows to take a class prior from")
    return json.dumps({c: round(n / total, 6) for c, n in sorted(counts.items())})


def parse_prior(value: str) -> dict[str, float]:
    """A version's training prior from its tag; ValueError when it is not one."""
    prior = json.loads(value)
    if not isinstance(prior, dict) or not prior:
        raise ValueError(f"{TAG_PRIOR} is not a mapping of categories to shares")
    try:
        shares = {str(c): float(p) for c, p in prior.items()}
    except TypeError as exc:  # a null or a list where a share should be
        raise ValueError(f"{TAG_PRIOR}: {exc}") from None
    if any(p <= 0 for p in shares.values()) or abs(sum(shares.values()) - 1) > 1e-3:
        raise ValueError(f"{TAG_PRIOR} shares must be positive and sum to 1")
    return shares


def desk_mix(
    counts: Mapping[str, float], prior: Mapping[str, float], pseudo_count: float
) -> dict[str, float]:
    """The desk's mix over the prior's categories: observed counts plus `pseudo_count` rows
    spread as the training prior, so a category with few reviews is not taken as absent."""
    total = sum(counts.get(c, 0.0) for c in prior) + pseudo_count
    if total <= 0:
        return dict(prior)
    return {c: (counts.get(c, 0.0) + pseudo_count * p) / total for c, p in prior.items()}


def shifted(
    probabilities: Sequence[float],
    classes: Sequence[str],
    prior: Mapping[str, float],
    mix: Mapping[str, float],
) -> list[float]:
    """One answer's probabilities under `mix` instead of the training `prior` (same classes)."""
    scaled = [p * mix[c] / prior[c] for p, c in zip(probabilities, classes, strict=True)]
    total = sum(scaled)
    if total <= 0:
        return list(probabilities)
    return [s / total for s in scaled]
