{{/*
Names, labels and shared pieces. Every container of the chart gets the same hardened
securityContext (not configurable on purpose: tests/charts checks it on every rendered object).
*/}}

{{- define "callcenterai.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "callcenterai.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Resource name of one component: <fullname>-<component>. */}}
{{- define "callcenterai.componentName" -}}
{{- printf "%s-%s" (include "callcenterai.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "callcenterai.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable across upgrades. Call with (dict "root" $ "component" "agent"). */}}
{{- define "callcenterai.selectorLabels" -}}
app.kubernetes.io/name: {{ include "callcenterai.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "callcenterai.labels" -}}
helm.sh/chart: {{ include "callcenterai.chart" .root }}
{{ include "callcenterai.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: callcenterai
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{/* An image reference of our own images: [registry/]repository:tag (tag defaults to appVersion). */}}
{{- define "callcenterai.image" -}}
{{- $registry := .root.Values.image.registry -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if $registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* A third-party image: repository:tag, both required. */}}
{{- define "callcenterai.thirdPartyImage" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{- define "callcenterai.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "callcenterai.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Writable scratch space for containers with a read-only root filesystem. */}}
{{- define "callcenterai.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{/* Same, with an explicit size: (dict "size" "2Gi"). */}}
{{- define "callcenterai.tmpVolumeSized" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .size }}
{{- end -}}

{{- define "callcenterai.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "callcenterai.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Scheduling fields of one component's values (nodeSelector, tolerations, affinity...). */}}
{{- define "callcenterai.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* ---- object store (S3-compatible; MinIO in the chart by default) ---- */}}

{{- define "callcenterai.s3Endpoint" -}}
{{- if .Values.objectStore.endpoint -}}
{{- .Values.objectStore.endpoint -}}
{{- else if .Values.minio.enabled -}}
{{- printf "%s.%s.svc.cluster.local:%d" (include "callcenterai.componentName" (dict "root" . "component" "minio")) .Release.Namespace (int .Values.minio.port) -}}
{{- else -}}
{{- fail "objectStore.endpoint is required when minio.enabled is false" -}}
{{- end -}}
{{- end -}}

{{- define "callcenterai.s3EndpointUrl" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.objectStore.useHttps) (include "callcenterai.s3Endpoint" .) -}}
{{- end -}}

{{/* Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */}}
{{- define "callcenterai.s3SecretName" -}}
{{- .Values.objectStore.existingSecret | default (include "callcenterai.componentName" (dict "root" . "component" "s3")) -}}
{{- end -}}

{{- define "callcenterai.artifactsDestination" -}}
{{- if .Values.mlflow.artifactsDestination -}}
{{- .Values.mlflow.artifactsDestination -}}
{{- else -}}
{{- printf "s3://%s/%s" .Values.objectStore.bucket (trimAll "/" .Values.objectStore.prefix) | trimSuffix "/" -}}
{{- end -}}
{{- end -}}

{{/* ---- MLflow ---- */}}

{{- define "callcenterai.mlflowName" -}}
{{- include "callcenterai.componentName" (dict "root" . "component" "mlflow") -}}
{{- end -}}

{{/* Tracking URI the agent reads its routing policy from ("" = none). */}}
{{- define "callcenterai.mlflowTrackingUri" -}}
{{- if .Values.mlflow.enabled -}}
{{- printf "http://%s.%s.svc.cluster.local:%d" (include "callcenterai.mlflowName" .) .Release.Namespace (int .Values.mlflow.port) -}}
{{- else -}}
{{- .Values.mlflow.externalTrackingUri -}}
{{- end -}}
{{- end -}}

{{/* ---- predictors ---- */}}

{{/* KServe Standard (RawDeployment) mode names the predictor Service <isvc>-predictor, port 80. */}}
{{- define "callcenterai.predictorUrl" -}}
{{- printf "http://%s-predictor.%s.svc.cluster.local" .model.name .root.Release.Namespace -}}
{{- end -}}

{{- define "callcenterai.runtimeName" -}}
{{- include "callcenterai.componentName" (dict "root" .root "component" (printf "%s-runtime" .kind)) -}}
{{- end -}}

{{- define "callcenterai.agentPort" -}}
{{- .Values.agent.env.CCAI_AGENT_PORT | default 8000 | int -}}
{{- end -}}

{{/* Annotations KServe reads to configure the storage initializer's S3 access. */}}
{{- define "callcenterai.kserveS3Annotations" -}}
serving.kserve.io/s3-endpoint: {{ include "callcenterai.s3Endpoint" . | quote }}
serving.kserve.io/s3-usehttps: {{ ternary "1" "0" .Values.objectStore.useHttps | quote }}
serving.kserve.io/s3-verifyssl: {{ ternary "1" "0" .Values.objectStore.verifySsl | quote }}
serving.kserve.io/s3-region: {{ .Values.objectStore.region | quote }}
serving.kserve.io/s3-useanoncredential: "false"
{{- end -}}

{{/*
A setting's value as an environment variable. YAML numbers reach templates as float64, and
toString writes large whole ones in exponent form (4194304 -> "4.194304e+06"), which an integer
setting refuses: whole numbers are written as integers.
*/}}
{{- define "callcenterai.envValue" -}}
{{- if and (kindIs "float64" .) (eq . (floor .)) -}}
{{- int64 . -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* ---- PostgreSQL ---- */}}

{{- define "callcenterai.postgresqlName" -}}
{{- include "callcenterai.componentName" (dict "root" . "component" "postgresql") -}}
{{- end -}}

{{/* Secret with POSTGRES_PASSWORD. */}}
{{- define "callcenterai.postgresqlSecretName" -}}
{{- .Values.postgresql.existingSecret | default (include "callcenterai.postgresqlName" .) -}}
{{- end -}}

{{/* Env var POSTGRES_PASSWORD from the Secret: the URL below expands $(POSTGRES_PASSWORD). */}}
{{- define "callcenterai.postgresqlPasswordEnv" -}}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef: {name: {{ include "callcenterai.postgresqlSecretName" . }}, key: POSTGRES_PASSWORD}
{{- end -}}

{{/* SQLAlchemy URL of one database: (dict "root" $ "driver" "psycopg" "database" "review"). */}}
{{- define "callcenterai.postgresqlUrl" -}}
{{- $pg := .root.Values.postgresql -}}
{{- printf "postgresql+%s://%s:$(POSTGRES_PASSWORD)@%s.%s.svc.cluster.local:%d/%s" .driver $pg.user (include "callcenterai.postgresqlName" .root) .root.Release.Namespace (int $pg.port) .database -}}
{{- end -}}
