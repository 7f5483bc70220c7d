"""Rollout operator: follows a registered model's MLflow alias onto a KServe InferenceService.

`rollout.decide`, `rollout.kserve` and `rollout.health` are plain functions (what to do given the
registry, the InferenceService and the metrics); `rollout.operator` wires them into kopf. This
package imports nothing from the serving path (agent, predictors, pipelines).
"""

GROUP = "callcenterai.io"
VERSION = "v1alpha1"
PLURAL = "modelrollouts"
KIND = "ModelRollout"

# What the operator writes on the InferenceServices it manages (and on the predictor pods).
VERSION_KEY = "callcenterai.io/model-version"  # label + annotation: the registry version served
MODEL_KEY = "callcenterai.io/registered-model"  # annotation: the registered model name
URI_KEY = "callcenterai.io/model-uri"  # annotation: the artifact location behind storageUri
ROLLOUT_KEY = "callcenterai.io/rollout"  # annotation: the ModelRollout that manages it
