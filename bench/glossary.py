"""The glossary lever: the served models on the development live set under three normalisations.

    python -m bench.glossary [--models models] [--out bench/results/glossary.json]

Normalisation version 3 (contract/normalize.py) writes French and Arabic IT words in the
training file's English (contract/glossary.tsv). This scores the trained models of `--models`
(the evaluate stage's inputs: the SVM pipeline after its normalise step, the transformer's ONNX
graph) on the development live set, `data/live`, per language, with:

- `function words` (version 2): what the models read before the glossary;
- `glossary` (version 3, served): the contract's `normalize`;
- `augment glossary reversed`: the training-augmentation glossary (data/augment/glossary.csv,
  English -> French/Arabic) read backwards, phrases first; the alternative that was not adopted.

Only the development set: the lever is chosen here, and the held-out set is read once, through
the agent, by `bench.live`. Writes JSON and prints a table.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import mlflow.sklearn
import numpy as np
import pandas as pd

import contract.transformer_runtime as transformer_runtime
from contract.normalize import _FUNCTION_WORDS, letters_only, normalize
from contract.transformer_runtime import TicketEncoder
from devtools.harness import ROOT, machine
from pipelines.augment import read_glossary

LANGS = ("en", "fr", "ar")
OUT = ROOT / "bench" / "results" / "glossary.json"


def function_words_only(text: str) -> str:
    return " ".join(w for w in letters_only(text).split() if w not in _FUNCTION_WORDS)


def reversed_augment_glossary(path: Path, training_words: Counter) -> Callable[[str], str]:
    """French/Arabic -> English from the augmentation glossary, skipping words the training file
    holds (as the served glossary does); a word several English ones translate to takes the one
    the training file uses most."""
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for english, translations in read_glossary(path).items():
        for variant in (v for variants in translations.values() for v in variants):
            key = letters_only(variant).split()
            if not key or key == [english]:
                continue
            if len(key) > 1:
                phrases.setdefault(tuple(key), english)
            elif key[0] not in training_words and (
                key[0] not in words or training_words[english] > training_words[words[key[0]]]
            ):
                words[key[0]] = english

    def translate(text: str) -> str:
        tokens, out, i = letters_only(text).split(), [], 0
        while i < len(tokens):
            size = next((n for n in (4, 3, 2) if tuple(tokens[i : i + n]) in phrases), 0)
            if size:
                out.append(phrases[tuple(tokens[i : i + size])])
                i += size
                continue
            word, i = tokens[i], i + 1
            if word not in _FUNCTION_WORDS:
                out.append(words.get(word) or word)
        return " ".join(out)

    return translate


def accuracy(labels: list[str], predicted: list[str], languages: list[str]) -> dict[str, float]:
    right: dict[str, list[bool]] = defaultdict(list)
    for y, p, lang in zip(labels, predicted, languages, strict=True):
        right[lang].append(y == p)
        right["all"].append(y == p)
    return {lang: round(float(np.mean(v)), 4) for lang, v in right.items()}


def run(models: Path, training_file: Path) -> dict:
    live = pd.read_csv(ROOT / "data" / "live" / "live_tickets.csv")
    texts, labels, languages = live["text"].tolist(), live["label"].tolist(), live["language"]
    training_words: Counter = Counter()
    for doc in pd.read_csv(training_file, usecols=["Document"])["Document"].astype(str):
        training_words.update(doc.split())
    variants = {
        "function words (v2)": function_words_only,
        "glossary (v3, served)": normalize,
        "augment glossary reversed": reversed_augment_glossary(
            ROOT / "data" / "augment" / "glossary.csv", training_words
        ),
    }
    svm = mlflow.sklearn.load_model(str(models / "svm"))
    encoder = TicketEncoder(models / "transformer")
    # The encoder normalises inside `encode`; each variant hands it already normalised text.
    transformer_runtime.normalize = lambda text: text
    results: dict = {}
    try:
        for name, variant in variants.items():
            prepared = [variant(t) for t in texts]
            svm_probs = svm[1:].predict_proba(prepared)
            transformer_probs = encoder.scores(prepared).probabilities
            results[name] = {
                "svm": accuracy(labels, list(svm.classes_[svm_probs.argmax(1)]), languages),
                "transformer": accuracy(
                    labels, [encoder.labels[i] for i in transformer_probs.argmax(1)], languages
                ),
            }
    finally:
        transformer_runtime.normalize = normalize
    return {"set": "data/live (development)", "rows": len(texts), "variants": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument(
        "--training-file",
        type=Path,
        default=ROOT.parent / "shared" / "data" / "it_tickets.csv",
        help="default: the full data set (data/splits/train.csv when it is absent)",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    training = args.training_file
    if not training.is_file():
        training = ROOT / "data" / "splits" / "train.csv"
    report = {**run(args.models, training), "machine": machine()}
    print(f"{'normalisation':<28} {'model':<12} " + " ".join(f"{x:>6}" for x in (*LANGS, "all")))
    for name, per_model in report["variants"].items():
        for model, acc in per_model.items():
            print(f"{name:<28} {model:<12} " + " ".join(f"{acc[x]:>6.3f}" for x in (*LANGS, "all")))
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
