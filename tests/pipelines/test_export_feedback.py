"""Corrections flow back: reviewed tickets in a real review store (SQLite, written by the agent's
own store code) -> the export stage -> training rows the next SVM fit uses; none from the
validation or test split, duplicates resolved to the latest review."""

from __future__ import annotations

import json

import mlflow.sklearn
import pandas as pd

from agent.store import ReviewStore, Stored
from pipelines.data import LABEL, TEXT
from pipelines.prepare import read_split
from tests.conftest import pipeline_env, run_stage

LABELS = ["Access", "Hardware", "HR Support", "Purchase", "Weather"]
NEW = "the zqxfeedbackword docking station flickers on the second monitor"


def test_reviewed_tickets_become_training_rows(trained, tiny_params_file, tmp_path):
    store_url = f"sqlite:///{tmp_path}/review.db"
    store = ReviewStore(store_url)
    store.migrate()
    test_text = read_split(trained / "splits", "test")[0][0]

    def answer(rid: str, text: str) -> Stored:
        return Stored(
            rid, "svm", "1", "Access", 0.4, "review", "low_confidence", "en", LABELS, text
        )

    store.record(
        [
            answer("a", NEW),
            answer("b", NEW.upper()),  # the same ticket once normalised: one row, latest label
            answer("c", test_text),  # a held-out ticket: never into training
            answer("d", "printer on fire, please send a new one"),
            answer("e", "what is the weather like"),
        ]
    )
    store.feedback("a", "Purchase", None)
    store.feedback("b", "Hardware", None)
    store.feedback("c", "Hardware", None)
    store.feedback("d", "Access", None)  # confirmed
    store.feedback("e", "Weather", None)  # not a category of the training data
    store.close()

    feedback = tmp_path / "feedback" / "feedback.csv"
    models = tmp_path / "models"
    env = pipeline_env(
        trained,
        tiny_params_file,
        CCAI_PIPELINE_REVIEW_STORE_URL=store_url,
        CCAI_PIPELINE_FEEDBACK_PATH=str(feedback),
        CCAI_PIPELINE_MODELS_DIR=str(models),
    )
    run_stage("pipelines.export_feedback", env)
    rows = pd.read_csv(feedback, keep_default_na=False)
    assert sorted(zip(rows[TEXT], rows[LABEL], strict=True)) == [
        (NEW.upper(), "Hardware"),
        ("printer on fire, please send a new one", "Access"),
    ]
    manifest = json.loads((feedback.parent / "manifest.json").read_text())
    assert manifest["reviewed"] == 5 and manifest["rows"] == 2
    assert manifest["dropped"] == {"held_out": 1, "unknown_label": 1, "duplicate": 1, "empty": 0}
    assert manifest["corrected"] == 1 and manifest["confirmed"] == 1
    assert test_text not in set(rows[TEXT])

    run_stage("pipelines.train_svm", env)
    training = json.loads((models / "svm" / "training.json").read_text())
    assert training["feedback_rows"] == 2 * 2  # feedback.repeat: 2
    vocabulary = mlflow.sklearn.load_model(str(models / "svm")).named_steps["features"]
    words = dict(vocabulary.transformer_list)["word"].vocabulary_
    assert "zqxfeedbackword" in words  # only the feedback row has it: the fit used it


def test_without_a_store_the_file_is_empty(trained, tiny_params_file, tmp_path):
    feedback = tmp_path / "feedback.csv"
    env = pipeline_env(trained, tiny_params_file, CCAI_PIPELINE_FEEDBACK_PATH=str(feedback))
    env.pop("CCAI_PIPELINE_REVIEW_STORE_URL", None)
    run_stage("pipelines.export_feedback", env)
    assert list(pd.read_csv(feedback).columns) == [TEXT, LABEL]
    assert len(pd.read_csv(feedback)) == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["source"] is None
