{{/* Names, labels and the pieces shared by the Deployments and the migration Job. */}}

{{- define "olg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "olg.fullname" -}}
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

{{- define "olg.selectorLabels" -}}
app.kubernetes.io/name: {{ include "olg.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "olg.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "olg.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: open-langgraph
{{- end -}}

{{/* The server components of the chosen mode: [api, worker] or [all]. */}}
{{- define "olg.components" -}}
{{- if eq .Values.mode "all" -}}all{{- else -}}api,worker{{- end -}}
{{- end -}}

{{/* The component that serves HTTP (the api Service selects it). */}}
{{- define "olg.httpComponent" -}}
{{- if eq .Values.mode "all" -}}all{{- else -}}api{{- end -}}
{{- end -}}

{{- define "olg.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "olg.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "olg.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The config file the server is started with (`--config`). */}}
{{- define "olg.configPath" -}}
{{- $p := .Values.project -}}
{{- if eq $p.source "image" -}}
{{- if $p.config -}}
{{- printf "%s/open_langgraph.helm.json" (dir $p.configPath) -}}
{{- else -}}
{{- $p.configPath -}}
{{- end -}}
{{- else -}}
{{- printf "%s/open_langgraph.json" (trimSuffix "/" $p.mountPath) -}}
{{- end -}}
{{- end -}}

{{/* Whether the chart's Secret exists (it holds chart-managed URLs and secrets.env). */}}
{{- define "olg.hasSecret" -}}
{{- if or .Values.postgresql.enabled .Values.externalDatabase.url .Values.externalRedis.url .Values.redis.enabled .Values.secrets.env -}}true{{- end -}}
{{- end -}}

{{/* Bundled PostgreSQL: names, and the Secret with its password. */}}
{{- define "olg.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "olg.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "olg.redis.fullname" -}}
{{- printf "%s-redis" (include "olg.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The bundled PostgreSQL password: the value, else the one already stored in the release's Secret
(kept across upgrades), else a new random one.
*/}}
{{- define "olg.postgresql.password" -}}
{{- if .Values.postgresql.auth.password -}}
{{- .Values.postgresql.auth.password -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "olg.postgresql.fullname" .) -}}
{{- if and $existing $existing.data (index $existing.data "POSTGRES_PASSWORD") -}}
{{- index $existing.data "POSTGRES_PASSWORD" | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "olg.postgresql.url" -}}
{{- $pg := .root.Values.postgresql.auth -}}
{{- printf "postgresql://%s:%s@%s:5432/%s" ($pg.username | urlquery) (.password | urlquery) (include "olg.postgresql.fullname" .root) ($pg.database | urlquery) -}}
{{- end -}}

{{- define "olg.redis.url" -}}
{{- if .Values.redis.auth.password -}}
{{- printf "redis://:%s@%s:6379" (.Values.redis.auth.password | urlquery) (include "olg.redis.fullname" .) -}}
{{- else -}}
{{- printf "redis://%s:6379" (include "olg.redis.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* DATABASE_URL and REDIS_URL for the server and the migration Job. `secretName`: where chart-managed URLs live. */}}
{{- define "olg.connectionEnv" -}}
{{- $v := .root.Values -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
{{- if $v.postgresql.enabled }}
      name: {{ .secretName }}
      key: DATABASE_URL
{{- else if $v.externalDatabase.existingSecret }}
      name: {{ $v.externalDatabase.existingSecret }}
      key: {{ $v.externalDatabase.existingSecretKey }}
{{- else }}
      name: {{ .secretName }}
      key: DATABASE_URL
{{- end }}
{{- if and .withRedis (or $v.redis.enabled $v.externalRedis.url $v.externalRedis.existingSecret) }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
{{- if $v.externalRedis.existingSecret }}
      name: {{ $v.externalRedis.existingSecret }}
      key: {{ $v.externalRedis.existingSecretKey }}
{{- else }}
      name: {{ .secretName }}
      key: REDIS_URL
{{- end }}
{{- end }}
{{- end -}}

{{/* The olg command line: the image entrypoint unless `command` is set. */}}
{{- define "olg.command" -}}
{{- with .Values.command }}
command:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
Volumes of server pods: /tmp, and the project. Source "configMap": one projected volume of the graph
files (`files` or `existingConfigMap`) and the chart's open_langgraph.json; "volume": the given
volume (it holds open_langgraph.json); "image": only the chart's open_langgraph.json, when given,
mounted beside the image's own file.
*/}}
{{- define "olg.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- $p := .Values.project }}
{{- $fullname := include "olg.fullname" . }}
{{- if eq $p.source "configMap" }}
- name: project
  projected:
    sources:
      - configMap:
          name: {{ default (printf "%s-project" $fullname) $p.existingConfigMap }}
{{- if $p.config }}
      - configMap:
          name: {{ $fullname }}-config
{{- end }}
{{- else if eq $p.source "volume" }}
- name: project
{{- toYaml $p.volume | nindent 2 }}
{{- else if $p.config }}
- name: config
  configMap:
    name: {{ $fullname }}-config
{{- end }}
{{- end -}}

{{- define "olg.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- $p := .Values.project }}
{{- if ne $p.source "image" }}
- name: project
  mountPath: {{ $p.mountPath }}
  readOnly: true
{{- else if $p.config }}
- name: config
  mountPath: {{ include "olg.configPath" . }}
  subPath: open_langgraph.json
  readOnly: true
{{- end }}
{{- end -}}

{{/* The settings ConfigMap's data: environment variables our config reads (src/config/load.ts). */}}
{{- define "olg.settingsEnv" -}}
{{- $v := .Values -}}
{{- $s := $v.settings -}}
PORT: {{ $s.port | quote }}
LOG_LEVEL: {{ $s.logLevel | quote }}
N_JOBS_PER_WORKER: {{ $s.jobsPerWorker | quote }}
OLG_RUN_LEASE_SECONDS: {{ $s.runLeaseSeconds | quote }}
OLG_RUN_DRAIN_SECONDS: {{ $v.drain.runDrainSeconds | quote }}
OLG_DRAIN_DELAY_SECONDS: {{ $v.drain.readinessDelaySeconds | quote }}
OLG_WARM_SCHEMAS: {{ ternary "1" "0" $s.warmSchemas | quote }}
OTEL_SERVICE_NAME: {{ $s.otelServiceName | quote }}
{{- with $s.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
{{- with $s.apiUrl }}
LANGGRAPH_API_URL: {{ . | quote }}
{{- end }}
{{- with $s.langgraphConfig }}
LANGGRAPH_CONFIG: {{ toJson . | quote }}
{{- end }}
{{- end -}}

{{/* When the migration Job runs: before install/upgrade; after install with the bundled PostgreSQL (it does not exist before). */}}
{{- define "olg.migrationHook" -}}
{{- if .Values.postgresql.enabled -}}post-install,pre-upgrade{{- else -}}pre-install,pre-upgrade{{- end -}}
{{- end -}}

{{/* Egress when networkPolicy.restrictEgress: DNS, the bundled databases, and networkPolicy.egress. */}}
{{- define "olg.egressRules" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- if or .Values.postgresql.enabled .Values.redis.enabled }}
- to:
    - podSelector:
        matchLabels:
          {{- include "olg.selectorLabels" . | nindent 10 }}
  ports:
    {{- if .Values.postgresql.enabled }}
    - port: 5432
      protocol: TCP
    {{- end }}
    {{- if .Values.redis.enabled }}
    - port: 6379
      protocol: TCP
    {{- end }}
{{- end }}
{{- with .Values.networkPolicy.egress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
