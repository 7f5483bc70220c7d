"""Print what the registry serves: one line per model alias, with its profile and accuracy."""

from __future__ import annotations

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from pipelines.cli import StageError, run
from pipelines.params import PipelineSettings
from pipelines.register import PROFILE_TAG
from pipelines.tracking import connect


def main() -> None:
    settings = PipelineSettings()
    uri = connect(settings.tracking_uri)
    params = settings.params()
    client = MlflowClient()
    print(f"MLflow registry at {uri}")
    for name in (params.registry.svm_name, params.registry.transformer_name):
        try:
            model = client.get_registered_model(name)
        except MlflowException:
            raise StageError(f"{name} is not registered; run `make train`") from None
        for alias, version in sorted(model.aliases.items()):
            mv = client.get_model_version(name, version)
            metrics = client.get_run(mv.run_id).data.metrics
            # The held-out live set's auto answers: what the gate's band floor judged.
            auto = metrics.get("live_holdout_auto_accuracy")
            held_out = (
                f"  held-out auto {auto:.3f} ({int(metrics['live_holdout_auto_rows'])} rows)"
                if auto is not None
                else ""
            )
            live = "/".join(
                f"{metrics[f'live_accuracy_{lang}']:.2f}"
                for lang in ("en", "fr", "ar")
                if f"live_accuracy_{lang}" in metrics
            )
            profile = mv.tags.get(PROFILE_TAG, "full")
            print(
                f"  {name:24} @{alias:10} v{version:<3} {profile:5} profile"
                f"  test {metrics['test_accuracy']:.4f}  macro-F1 {metrics['test_macro_f1']:.4f}"
                f"  live en/fr/ar {live or 'n/a'}{held_out}"
            )


if __name__ == "__main__":
    run(main)
