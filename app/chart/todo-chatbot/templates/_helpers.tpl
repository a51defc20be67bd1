{{/*
Names, labels and shared pod pieces. Every template takes its names and labels from here.
*/}}

{{- define "todo-chatbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>", or just the release name when it already contains the chart name. */}}
{{- define "todo-chatbot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "todo-chatbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Component names; 52 characters leave room for StatefulSet/ReplicaSet suffixes. */}}
{{- define "todo-chatbot.backend.fullname" -}}
{{- printf "%s-backend" (include "todo-chatbot.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- define "todo-chatbot.frontend.fullname" -}}
{{- printf "%s-frontend" (include "todo-chatbot.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- define "todo-chatbot.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "todo-chatbot.fullname" .) | trunc 52 | trimSuffix "-" }}
{{- end }}

{{- define "todo-chatbot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo-chatbot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "todo-chatbot.labels" -}}
helm.sh/chart: {{ include "todo-chatbot.chart" . }}
{{ include "todo-chatbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: todo-chatbot
{{- end }}

{{/* Usage: include "todo-chatbot.componentSelectorLabels" (dict "ctx" $ "component" "backend") */}}
{{- define "todo-chatbot.componentSelectorLabels" -}}
{{ include "todo-chatbot.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "todo-chatbot.componentLabels" -}}
{{ include "todo-chatbot.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Labels of a pod template: the component's labels without helm.sh/chart. The chart's version changes with
every edit of the chart (the chart role versions it by content); on a pod template it would restart every
pod, PostgreSQL's too, for a change that does not concern them.
Usage: include "todo-chatbot.podLabels" (dict "ctx" $ "component" "backend")
*/}}
{{- define "todo-chatbot.podLabels" -}}
{{ include "todo-chatbot.componentSelectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: todo-chatbot
{{- end }}

{{- define "todo-chatbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "todo-chatbot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference "repository:tag"; the tag defaults to appVersion and "latest" fails the render,
because a moving tag with IfNotPresent never updates and cannot be rolled back.
Usage: include "todo-chatbot.image" (dict "image" .Values.backend.image "ctx" $)
*/}}
{{- define "todo-chatbot.image" -}}
{{- $tag := default .ctx.Chart.AppVersion .image.tag | toString }}
{{- if eq $tag "latest" }}
{{- fail (printf "image %s: the tag \"latest\" is not allowed; pin a version" .image.repository) }}
{{- end }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}

{{/* In-cluster PostgreSQL is used unless an external database is switched on. */}}
{{- define "todo-chatbot.postgresql.enabled" -}}
{{- if and .Values.postgresql.enabled (not .Values.externalDatabase.enabled) }}true{{ end }}
{{- end }}

{{- define "todo-chatbot.secretName" -}}
{{- default (include "todo-chatbot.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "todo-chatbot.postgresql.secretName" -}}
{{- default (include "todo-chatbot.postgresql.fullname" .) .Values.postgresql.auth.existingSecret }}
{{- end }}

{{- define "todo-chatbot.postgresql.passwordKey" -}}
{{- if .Values.postgresql.auth.existingSecret }}
{{- .Values.postgresql.auth.existingSecretPasswordKey }}
{{- else -}}
POSTGRES_PASSWORD
{{- end }}
{{- end }}

{{- define "todo-chatbot.backend.url" -}}
{{- printf "http://%s:%d" (include "todo-chatbot.backend.fullname" .) (int .Values.backend.service.port) }}
{{- end }}

{{/*
Backend environment: secrets by reference only. With the in-cluster database, DATABASE_URL is
composed by Kubernetes from POSTGRES_PASSWORD ($(VAR) expansion), so the password lives in one
Secret and works the same whether the chart generated it or an existing Secret provides it.
*/}}
{{/*
Seconds uvicorn lets in-flight requests finish after SIGTERM (UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN): the pod's grace
period less the preStop sleep (SIGTERM comes after it) and 5 s for the app to close its pools and exit, so that it
ends by itself before the kubelet's SIGKILL.
*/}}
{{- define "todo-chatbot.backend.drainSeconds" -}}
{{- $backend := .Values.backend }}
{{- $grace := int $backend.terminationGracePeriodSeconds }}
{{- $sleep := int ($backend.preStopSleepSeconds | default 0) }}
{{- $drain := sub (sub $grace $sleep) 5 }}
{{- if lt $drain 1 }}
{{- fail (printf "backend.terminationGracePeriodSeconds (%d) must exceed backend.preStopSleepSeconds (%d) by at least 6 s: after the sleep, in-flight requests need time to finish and the app 5 s to close its pools" $grace $sleep) }}
{{- end }}
{{- $drain }}
{{- end }}

{{- define "todo-chatbot.backend.env" -}}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-chatbot.secretName" . }}
      key: JWT_SECRET
- name: OPENAI_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-chatbot.secretName" . }}
      key: OPENAI_API_KEY
      optional: true
{{- if include "todo-chatbot.postgresql.enabled" . }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "todo-chatbot.postgresql.secretName" . }}
      key: {{ include "todo-chatbot.postgresql.passwordKey" . }}
- name: DATABASE_URL
  value: {{ printf "postgresql+psycopg://%s:$(POSTGRES_PASSWORD)@%s-rw:5432/%s" .Values.postgresql.auth.username (include "todo-chatbot.postgresql.fullname" .) .Values.postgresql.auth.database | quote }}
{{- else if .Values.externalDatabase.enabled }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if .Values.externalDatabase.existingSecret }}
      name: {{ .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.existingSecretKey }}
      {{- else }}
      name: {{ include "todo-chatbot.secretName" . }}
      key: DATABASE_URL
      {{- end }}
{{- else }}
{{- fail "no database: enable postgresql or externalDatabase" }}
{{- end }}
{{- with .Values.backend.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
checksum/config and checksum/secret: a change to the ConfigMap or the Secrets changes the pod
template and so rolls the pods. credentialsRevision covers Secrets the chart does not render.
*/}}
{{- define "todo-chatbot.checksumAnnotations" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ printf "%s|%s|%s" (include (print $.Template.BasePath "/secret.yaml") .) .Values.existingSecret .Values.credentialsRevision | sha256sum }}
{{- end }}
