"""Train the TF-IDF + calibrated linear SVM: the fast model that answers most tickets."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import mlflow.sklearn
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from contract.normalize import normalize_texts
from pipelines.cli import run
from pipelines.model_dir import INPUT_EXAMPLE, fresh_dir, model_metadata, text_signature
from pipelines.params import Params, PipelineSettings, SvmParams
from pipelines.prepare import read_fit_rows

log = logging.getLogger("pipelines.train_svm")


def build_pipeline(p: SvmParams) -> Pipeline:
    """Normalisation is the first step, so the saved model applies it exactly as in training."""
    features = [
        (
            "word",
            TfidfVectorizer(
                ngram_range=(1, p.word_ngram_max),
                min_df=p.word_min_df,
                max_df=p.max_df,
                sublinear_tf=p.sublinear_tf,
                dtype=np.float32,
            ),
        )
    ]
    if p.char_ngram_max > 0:
        features.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(p.char_ngram_min, p.char_ngram_max),
                    min_df=p.char_min_df,
                    max_df=p.max_df,
                    sublinear_tf=p.sublinear_tf,
                    dtype=np.float32,
                ),
            )
        )
    svm = LinearSVC(C=p.C, class_weight=p.class_weight)
    calibrated = CalibratedClassifierCV(
        svm, method=p.calibration_method, cv=p.calibration_cv, ensemble=p.calibration_ensemble
    )
    weights = {"word": 1.0, "char": p.char_weight} if p.char_ngram_max > 0 else None
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_texts)),
            ("features", FeatureUnion(features, transformer_weights=weights)),
            ("clf", calibrated),
        ]
    )


def class_share(labels: list[str], classes: list[str]) -> dict[str, float]:
    """The training mix: serving compares what it predicts against it to flag drift."""
    return {c: round(labels.count(c) / len(labels), 4) for c in classes}


def train(
    splits_dir: Path, out_dir: Path, params: Params, feedback_path: Path | None = None
) -> Path:
    texts, labels, from_feedback = read_fit_rows(
        splits_dir, "train", feedback_path, params.feedback.repeat
    )
    pipe = build_pipeline(params.svm)
    started = time.perf_counter()
    log.info("fitting SVM on %d tickets", len(texts))
    pipe.fit(texts, labels)
    seconds = time.perf_counter() - started
    log.info("fitted in %.1f s", seconds)
    classes = [str(c) for c in pipe.classes_]

    mlflow.sklearn.save_model(
        pipe,
        fresh_dir(out_dir),
        serialization_format="cloudpickle",
        code_paths=[str(Path(__file__).parents[1] / "contract")],
        signature=text_signature(classes),
        input_example=INPUT_EXAMPLE,
        pyfunc_predict_fn="predict_proba",
        metadata=model_metadata("svm", classes, train_class_share=class_share(labels, classes)),
    )
    (out_dir / "training.json").write_text(
        json.dumps(
            {
                "train_rows": len(texts),
                "feedback_rows": from_feedback,
                "fit_seconds": round(seconds, 2),
            }
        )
    )
    return out_dir


def main() -> None:
    settings = PipelineSettings()
    train(
        settings.splits_dir,
        settings.models_dir / "svm",
        settings.params(),
        settings.feedback_path,
    )


if __name__ == "__main__":
    run(main)
