"""Print what the registry serves: one line per model with its aliases and test metrics."""

from __future__ import annotations

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from pipelines.cli import StageError, run
from pipelines.params import PipelineSettings, load_params
from pipelines.tracking import connect


def main() -> None:
    settings = PipelineSettings()
    uri = connect(settings.tracking_uri)
    params = load_params(settings.params_file)
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
            print(
                f"  {name:24} @{alias:10} v{version:<3} accuracy {metrics['test_accuracy']:.4f}"
                f"  macro-F1 {metrics['test_macro_f1']:.4f}{held_out}"
            )


if __name__ == "__main__":
    run(main)
