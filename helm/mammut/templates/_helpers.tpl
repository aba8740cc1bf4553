{{/*
Naming, labels, the workloads, the secrets' plan and the environment of every Mammut container.
Helpers taking more than the root context take a dict: `root` is the root context.
*/}}

{{- define "mammut.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mammut.fullname" -}}
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

{{/* The name of one component's objects: `<fullname>-<component>`. */}}
{{- define "mammut.componentName" -}}
{{- printf "%s-%s" (include "mammut.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* What selects one component's pods. */}}
{{- define "mammut.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mammut.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "mammut.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "mammut.selectorLabels" . }}
app.kubernetes.io/part-of: mammut
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Every pod of this release, whatever its component (the bundled servers' NetworkPolicies let them in). */}}
{{- define "mammut.releaseSelector" -}}
app.kubernetes.io/name: {{ include "mammut.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mammut.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mammut.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Mammut image, `repository:tag` or `repository@digest`; `image` is a service's override. */}}
{{- define "mammut.image" -}}
{{- $image := mergeOverwrite (deepCopy .root.Values.image) (.image | default dict) }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (toString (default .root.Chart.AppVersion $image.tag)) }}
{{- end }}
{{- end }}

{{/* A bundled server's image from its values (`repository`, `tag`). */}}
{{- define "mammut.bundledImage" -}}
{{- printf "%s:%s" .repository (toString .tag) }}
{{- end }}

{{/*
The Deployments to render, name → settings: the `services` table, or the one all-in-one process.
Rendered as YAML; callers read it back with fromYaml.
*/}}
{{- define "mammut.workloads" -}}
{{- if eq .Values.mode "allInOne" }}
{{- dict "all-in-one" .Values.allInOne | toYaml }}
{{- else }}
{{- .Values.services | toYaml }}
{{- end }}
{{- end }}

{{/* The workload a route's `service` names: in allInOne mode, the one process serves every route. */}}
{{- define "mammut.routeTarget" -}}
{{- $workloads := include "mammut.workloads" .root | fromYaml }}
{{- $target := ternary "all-in-one" .route.service (eq .root.Values.mode "allInOne") }}
{{- $settings := get $workloads $target }}
{{- if not $settings }}
{{- fail (printf "routes: %s names the service %q, which is not in services" .route.path .route.service) }}
{{- end }}
{{- if not $settings.httpPort }}
{{- fail (printf "routes: %s goes to %q, which has no httpPort" .route.path $target) }}
{{- end }}
{{- $target }}
{{- end }}

{{/*
A route's path for a matcher that takes regular expressions: each `*` one path segment, the path
itself or anything below it.
*/}}
{{- define "mammut.routeRegex" -}}
{{- printf "%s(/.*)?$" (replace "*" "[^/]+" .path) }}
{{- end }}

{{/* A route's path as a prefix: up to its first `*`. */}}
{{- define "mammut.routePrefix" -}}
{{- $prefix := index (splitList "*" .path) 0 }}
{{- if and (ne $prefix "/") (hasSuffix "/" $prefix) }}{{ trimSuffix "/" $prefix }}{{ else }}{{ $prefix }}{{ end }}
{{- end }}

{{/* A value as part of a URL's user information. */}}
{{- define "mammut.urlPart" -}}
{{- urlquery . | replace "+" "%20" }}
{{- end }}

{{/*
A generated secret: the value given in values, else the one the chart's Secret kept (so an upgrade,
or an install after an uninstall, reuses it), else a new random one.
*/}}
{{- define "mammut.keptOrNew" -}}
{{- if .given }}
{{- .given }}
{{- else if hasKey .kept .key }}
{{- index .kept .key | b64dec }}
{{- else }}
{{- randAlphaNum .length }}
{{- end }}
{{- end }}

{{/*
Where each secret setting comes from and what the chart's own Secret holds:
  sources: env name → {secret: an existing Secret (empty: the chart's), key}
  data:    the chart's Secret's keys and values
Computed once per render and kept on the root context, so that the Secret, its hook copy and the
checksum on the pods see the same random values on a first install.
*/}}
{{- define "mammut.secretPlan" -}}
{{- if not (hasKey . "mammutSecretPlan") }}
{{- $v := .Values }}
{{- $kept := (lookup "v1" "Secret" .Release.Namespace (include "mammut.fullname" .)).data | default dict }}
{{- $sources := dict }}
{{- $data := dict }}
{{- if $v.secrets.existingSecret }}
{{- $_ := set $sources "SECRET_KEY_BASE" (dict "secret" $v.secrets.existingSecret "key" "SECRET_KEY_BASE") }}
{{- else }}
{{- $_ := set $sources "SECRET_KEY_BASE" (dict "key" "SECRET_KEY_BASE") }}
{{- $_ := set $data "SECRET_KEY_BASE" (include "mammut.keptOrNew" (dict "given" $v.secrets.secretKeyBase "kept" $kept "key" "SECRET_KEY_BASE" "length" 128)) }}
{{- end }}
{{- $pg := $v.postgresql }}
{{- if and (not $pg.bundled) $pg.external.existingSecret }}
{{- $_ := set $sources "DATABASE_URL" (dict "secret" $pg.external.existingSecret "key" $pg.external.existingSecretKey) }}
{{- else }}
{{- $_ := set $sources "DATABASE_URL" (dict "key" "DATABASE_URL") }}
{{- if $pg.bundled }}
{{- $password := include "mammut.keptOrNew" (dict "kept" $kept "key" "postgresql-password" "length" 32) }}
{{- $_ := set $data "postgresql-password" $password }}
{{- $_ := set $data "DATABASE_URL" (printf "postgres://%s:%s@%s:5432/%s" (include "mammut.urlPart" $pg.username) (include "mammut.urlPart" $password) (include "mammut.componentName" (dict "root" . "component" "postgresql")) $pg.database) }}
{{- else if $pg.external.url }}
{{- $_ := set $data "DATABASE_URL" $pg.external.url }}
{{- else if $pg.external.host }}
{{- $auth := include "mammut.urlPart" $pg.external.username }}
{{- if $pg.external.password }}
{{- $auth = printf "%s:%s" $auth (include "mammut.urlPart" $pg.external.password) }}
{{- end }}
{{- $url := printf "postgres://%s@%s:%d/%s" $auth $pg.external.host (int $pg.external.port) $pg.external.database }}
{{- if $pg.external.sslmode }}
{{- $url = printf "%s?sslmode=%s" $url $pg.external.sslmode }}
{{- end }}
{{- $_ := set $data "DATABASE_URL" $url }}
{{- else }}
{{- fail "postgresql: set postgresql.external.url, .host or .existingSecret, or postgresql.bundled=true" }}
{{- end }}
{{- end }}
{{- $redis := $v.redis }}
{{- if and (not $redis.bundled) $redis.external.existingSecret }}
{{- $_ := set $sources "REDIS_URL" (dict "secret" $redis.external.existingSecret "key" $redis.external.existingSecretKey) }}
{{- else }}
{{- $_ := set $sources "REDIS_URL" (dict "key" "REDIS_URL") }}
{{- if $redis.bundled }}
{{- $password := include "mammut.keptOrNew" (dict "kept" $kept "key" "redis-password" "length" 32) }}
{{- $_ := set $data "redis-password" $password }}
{{- $_ := set $data "REDIS_URL" (printf "redis://:%s@%s:6379/0" (include "mammut.urlPart" $password) (include "mammut.componentName" (dict "root" . "component" "redis"))) }}
{{- else if $redis.external.url }}
{{- $_ := set $data "REDIS_URL" $redis.external.url }}
{{- else if $redis.external.host }}
{{- $auth := "" }}
{{- if $redis.external.password }}
{{- $auth = printf ":%s@" (include "mammut.urlPart" $redis.external.password) }}
{{- end }}
{{- $_ := set $data "REDIS_URL" (printf "%s://%s%s:%d/%d" (ternary "rediss" "redis" $redis.external.tls) $auth $redis.external.host (int $redis.external.port) (int $redis.external.db)) }}
{{- else }}
{{- fail "redis: set redis.external.url, .host or .existingSecret, or redis.bundled=true" }}
{{- end }}
{{- end }}
{{- if $v.smtp.existingSecret }}
{{- $_ := set $sources "SMTP_URL" (dict "secret" $v.smtp.existingSecret "key" $v.smtp.existingSecretKey) }}
{{- else if $v.smtp.url }}
{{- $_ := set $sources "SMTP_URL" (dict "key" "SMTP_URL") }}
{{- $_ := set $data "SMTP_URL" $v.smtp.url }}
{{- end }}
{{- $s3 := $v.media.s3 }}
{{- if and $s3.enabled $s3.existingSecret }}
{{- range $key := list "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
{{- $_ := set $sources $key (dict "secret" $s3.existingSecret "key" $key) }}
{{- end }}
{{- else if and $s3.enabled $s3.accessKeyId }}
{{- $_ := set $sources "AWS_ACCESS_KEY_ID" (dict "key" "AWS_ACCESS_KEY_ID") }}
{{- $_ := set $sources "AWS_SECRET_ACCESS_KEY" (dict "key" "AWS_SECRET_ACCESS_KEY") }}
{{- $_ := set $data "AWS_ACCESS_KEY_ID" $s3.accessKeyId }}
{{- $_ := set $data "AWS_SECRET_ACCESS_KEY" (required "media.s3.secretAccessKey goes with media.s3.accessKeyId" $s3.secretAccessKey) }}
{{- end }}
{{- $es := $v.elasticsearch }}
{{- if and $es.enabled (not $es.bundled) }}
{{- if $es.external.existingSecret }}
{{- $_ := set $sources "ES_PASS" (dict "secret" $es.external.existingSecret "key" $es.external.existingSecretKey) }}
{{- else if $es.external.password }}
{{- $_ := set $sources "ES_PASS" (dict "key" "ES_PASS") }}
{{- $_ := set $data "ES_PASS" $es.external.password }}
{{- end }}
{{- end }}
{{- $_ := set . "mammutSecretPlan" (dict "sources" $sources "data" $data) }}
{{- end }}
{{- toYaml .mammutSecretPlan }}
{{- end }}

{{/* The chart's Secret (or its pre-install hook copy, `name`) from the plan's data. */}}
{{- define "mammut.secret" -}}
{{- $data := (include "mammut.secretPlan" .root | fromYaml).data }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ .name }}
  labels:
    {{- include "mammut.labels" (dict "root" .root "component" "secrets") | nindent 4 }}
  annotations:
    {{- toYaml .annotations | nindent 4 }}
type: Opaque
data:
  {{- range $key, $value := $data }}
  {{ $key }}: {{ $value | b64enc | quote }}
  {{- end }}
{{- end }}

{{/* Whether the chart has a Secret of its own to render (something not in an existing Secret). */}}
{{- define "mammut.hasSecret" -}}
{{- if (include "mammut.secretPlan" . | fromYaml).data }}true{{ end }}
{{- end }}

{{/*
Whether migrations run as a pre-install/pre-upgrade hook. Not with bundled PostgreSQL: it does not
exist before install, and a post-install hook would deadlock `helm install --wait` (mastodon/chart#18).
*/}}
{{- define "mammut.migrationsAsHook" -}}
{{- if and .Values.migrations.hooks (not .Values.postgresql.bundled) }}true{{ end }}
{{- end }}

{{/* The hook copy of the chart's Secret, which the migration hook reads (hooks run before the release's objects exist). */}}
{{- define "mammut.hookSecretName" -}}
{{- include "mammut.componentName" (dict "root" . "component" "hooks") }}
{{- end }}

{{- define "mammut.natsUrl" -}}
{{- if .Values.nats.bundled }}
{{- printf "nats://%s:4222" (include "mammut.componentName" (dict "root" . "component" "nats")) }}
{{- else }}
{{- required "nats: set nats.external.url, or nats.bundled=true" .Values.nats.external.url }}
{{- end }}
{{- end }}

{{- define "mammut.elasticsearchUrl" -}}
{{- if .Values.elasticsearch.bundled }}
{{- printf "http://%s:9200" (include "mammut.componentName" (dict "root" . "component" "elasticsearch")) }}
{{- else }}
{{- required "elasticsearch: set elasticsearch.external.url, or elasticsearch.bundled=true" .Values.elasticsearch.external.url }}
{{- end }}
{{- end }}

{{- define "mammut.otelEndpoint" -}}
{{- if .Values.otel.endpoint }}
{{- .Values.otel.endpoint }}
{{- else if .Values.otel.collector.enabled }}
{{- printf "http://%s:4318" (include "mammut.componentName" (dict "root" . "component" "otel-collector")) }}
{{- else }}
{{- fail "otel: set otel.endpoint, or otel.collector.enabled=true" }}
{{- end }}
{{- end }}

{{/* Where local-disk media are mounted (MEDIA_ROOT). */}}
{{- define "mammut.mediaRoot" -}}/var/lib/mammut/media{{- end }}

{{- define "mammut.mediaClaimName" -}}
{{- .Values.media.persistence.existingClaim | default (include "mammut.componentName" (dict "root" . "component" "media")) }}
{{- end }}

{{/* Whether media live on the shared volume (not in a bucket). */}}
{{- define "mammut.mediaOnVolume" -}}
{{- if and .Values.media.persistence.enabled (not .Values.media.s3.enabled) }}true{{ end }}
{{- end }}

{{/*
The environment of one Mammut container as a map (name → value, or name → {valueFrom}), every key
a setting of Mammut's config. Kubernetes gets it sorted by name, so the downward-API K8S_* variables
come before OTEL_RESOURCE_ATTRIBUTES, which refers to them.
  root, component (OTEL_SERVICE_NAME), secretName (the chart's Secret or its hook copy),
  workload (a Deployment's settings; absent for CLI jobs)
*/}}
{{- define "mammut.envMap" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $env := dict }}
{{- $_ := set $env "LOCAL_DOMAIN" $v.localDomain }}
{{- $_ := set $env "LOCAL_HTTPS" (toString $v.config.https) }}
{{- $_ := set $env "REGISTRATIONS_MODE" $v.config.registrationsMode }}
{{- $_ := set $env "SITE_TITLE" $v.config.siteTitle }}
{{- $_ := set $env "SITE_DESCRIPTION" $v.config.siteDescription }}
{{- with $v.config.siteContactEmail }}{{ $_ := set $env "SITE_CONTACT_EMAIL" . }}{{ end }}
{{- $_ := set $env "LOG_LEVEL" $v.config.logLevel }}
{{- $_ := set $env "AUTHORIZED_FETCH" (toString $v.config.authorizedFetch) }}
{{- $_ := set $env "TRUSTED_PROXY_IPS" $v.config.trustedProxyIps }}
{{- $_ := set $env "DATABASE_PREPARED_STATEMENTS" (toString $v.postgresql.preparedStatements) }}
{{- $_ := set $env "NATS_URL" (include "mammut.natsUrl" $root) }}
{{- with $v.nats.prefix }}{{ $_ := set $env "NATS_PREFIX" . }}{{ end }}
{{- with $v.redis.prefix }}{{ $_ := set $env "REDIS_PREFIX" . }}{{ end }}
{{- with $v.smtp.from }}{{ $_ := set $env "SMTP_FROM" . }}{{ end }}
{{- $s3 := $v.media.s3 }}
{{- if $s3.enabled }}
{{- $_ := set $env "S3_ENABLED" "true" }}
{{- $_ := set $env "S3_BUCKET" (required "media.s3.bucket is required with media.s3.enabled" $s3.bucket) }}
{{- $_ := set $env "S3_REGION" $s3.region }}
{{- with $s3.endpoint }}{{ $_ := set $env "S3_ENDPOINT" . }}{{ end }}
{{- with $s3.hostname }}{{ $_ := set $env "S3_HOSTNAME" . }}{{ end }}
{{- with $s3.aliasHost }}{{ $_ := set $env "S3_ALIAS_HOST" . }}{{ end }}
{{- with $s3.permission }}{{ $_ := set $env "S3_PERMISSION" . }}{{ end }}
{{- $_ := set $env "S3_PRESIGNED_URLS" (toString $s3.presignedUrls) }}
{{- $_ := set $env "S3_OVERRIDE_PATH_STYLE" (toString $s3.overridePathStyle) }}
{{- else }}
{{- $_ := set $env "MEDIA_ROOT" (include "mammut.mediaRoot" $root) }}
{{- end }}
{{- if $v.elasticsearch.enabled }}
{{- $_ := set $env "ELASTICSEARCH_URL" (include "mammut.elasticsearchUrl" $root) }}
{{- with $v.elasticsearch.prefix }}{{ $_ := set $env "ES_PREFIX" . }}{{ end }}
{{- if not $v.elasticsearch.bundled }}
{{- with $v.elasticsearch.external.user }}{{ $_ := set $env "ES_USER" . }}{{ end }}
{{- end }}
{{- end }}
{{- range $name, $source := (include "mammut.secretPlan" $root | fromYaml).sources }}
{{- $_ := set $env $name (dict "valueFrom" (dict "secretKeyRef" (dict "name" ($source.secret | default $.secretName) "key" $source.key))) }}
{{- end }}
{{- if $v.otel.enabled }}
{{- $_ := set $env "OTEL_TRACES_EXPORTER" "otlp" }}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" (include "mammut.otelEndpoint" $root) }}
{{- $_ := set $env "OTEL_SERVICE_NAME" (printf "mammut-%s" .component) }}
{{- range $name, $field := dict "K8S_NAMESPACE_NAME" "metadata.namespace" "K8S_NODE_NAME" "spec.nodeName" "K8S_POD_NAME" "metadata.name" "K8S_POD_UID" "metadata.uid" }}
{{- $_ := set $env $name (dict "valueFrom" (dict "fieldRef" (dict "fieldPath" $field))) }}
{{- end }}
{{- $_ := set $env "OTEL_RESOURCE_ATTRIBUTES" (printf "service.namespace=%s,service.version=%s,service.instance.id=$(K8S_POD_UID),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME),k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID)" $root.Release.Name $root.Chart.AppVersion) }}
{{- end }}
{{- with .workload }}
{{- with .httpPort }}{{ $_ := set $env "PORT" (toString .) }}{{ end }}
{{- $_ := set $env "HEALTH_PORT" (toString $v.healthPort) }}
{{- if eq $v.mode "services" }}
{{- /* Every request crosses NATS, so any replica of the service that owns it may answer. */}}
{{- $_ := set $env "BUS_IN_PROCESS" "false" }}
{{- end }}
{{- end }}
{{- range $name, $value := $v.extraEnv }}{{ $_ := set $env $name $value }}{{ end }}
{{- range $name, $value := (.workload | default dict).extraEnv }}{{ $_ := set $env $name $value }}{{ end }}
{{- toYaml $env }}
{{- end }}

{{/* The same environment as a container's `env` list. */}}
{{- define "mammut.env" -}}
{{- $list := list }}
{{- range $name, $value := include "mammut.envMap" . | fromYaml }}
{{- if kindIs "map" $value }}
{{- $list = append $list (merge (dict "name" $name) $value) }}
{{- else }}
{{- $list = append $list (dict "name" $name "value" (toString $value)) }}
{{- end }}
{{- end }}
{{- toYaml $list }}
{{- end }}

{{/* Rolls the pods when the chart's Secret changes (the rest of the config is in the pod spec itself). */}}
{{- define "mammut.configChecksum" -}}
checksum/config: {{ (include "mammut.secretPlan" . | fromYaml).data | toJson | sha256sum }}
{{- end }}

{{/* The pod-level settings every Mammut pod shares, and its scheduling (root, component, workload). */}}
{{- define "mammut.podSpecCommon" -}}
{{- $v := .root.Values -}}
serviceAccountName: {{ include "mammut.serviceAccountName" .root }}
automountServiceAccountToken: false
{{- /* No service links: the environment holds Mammut's settings only. */}}
enableServiceLinks: false
securityContext:
  {{- toYaml $v.podSecurityContext | nindent 2 }}
{{- with $v.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with include "mammut.scheduling" . | trim }}
{{ . }}
{{- end }}
{{- end }}

{{/*
A workload's scheduling: its own settings, else the chart-wide ones. A topology spread constraint
without a labelSelector gets the workload's own.
*/}}
{{- define "mammut.scheduling" -}}
{{- $v := .root.Values }}
{{- $workload := .workload | default dict }}
{{- with ($workload.nodeSelector | default $v.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($workload.affinity | default $v.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with ($workload.tolerations | default $v.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $selector := include "mammut.selectorLabels" . | fromYaml }}
{{- with ($workload.topologySpreadConstraints | default $v.topologySpreadConstraints) }}
{{- $constraints := list }}
{{- range . }}
{{- $constraints = append $constraints (merge (deepCopy .) (dict "labelSelector" (dict "matchLabels" $selector))) }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $constraints | nindent 2 }}
{{- end }}
{{- end }}

{{/* The writable places of a Mammut container: /tmp, and the media volume when it mounts it (in production nothing writes .data/). */}}
{{- define "mammut.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .media }}
- name: media
  mountPath: {{ include "mammut.mediaRoot" .root }}
{{- end }}
{{- end }}

{{- define "mammut.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .root.Values.tmpSizeLimit }}
{{- if .media }}
- name: media
  persistentVolumeClaim:
    claimName: {{ include "mammut.mediaClaimName" .root }}
{{- end }}
{{- end }}

{{/*
A container running the Mammut CLI (`node dist/apps/cli/src/main.js <args>`): the migrations, the
schema wait and the admin.
  root, name, args, secretName, resources, env (extra variables, optional)
*/}}
{{- define "mammut.cliContainer" -}}
- name: {{ .name }}
  image: {{ include "mammut.image" (dict "root" .root) }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  command: ["node", "dist/apps/cli/src/main.js"]
  args:
    {{- toYaml .args | nindent 4 }}
  env:
    {{- include "mammut.env" (dict "root" .root "component" "cli" "secretName" .secretName) | nindent 4 }}
    {{- with .env }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  securityContext:
    {{- toYaml .root.Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml .resources | nindent 4 }}
  volumeMounts:
    {{- include "mammut.volumeMounts" (dict "root" .root) | nindent 4 }}
{{- end }}

{{/* An HPA's resource metrics from a workload's `autoscaling` (also KEDA's cpu/memory triggers' source). */}}
{{- define "mammut.resourceMetrics" -}}
{{- if not (or .targetCPUUtilizationPercentage .targetMemoryUtilizationPercentage) }}
{{- fail "autoscaling: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" }}
{{- end }}
{{- range $resource, $target := dict "cpu" .targetCPUUtilizationPercentage "memory" .targetMemoryUtilizationPercentage }}
{{- if $target }}
- type: Resource
  resource:
    name: {{ $resource }}
    target:
      type: Utilization
      averageUtilization: {{ $target }}
{{- end }}
{{- end }}
{{- end }}

{{/*
An egress rule to one dependency: its bundled pods on `port`, or anywhere on `port` when external
(its address is the operator's, not known here).
  root, component, bundled, port
*/}}
{{- define "mammut.egressTo" -}}
- ports:
    - port: {{ .port }}
      protocol: TCP
  {{- if .bundled }}
  to:
    - podSelector:
        matchLabels:
          {{- include "mammut.selectorLabels" . | nindent 10 }}
  {{- end }}
{{- end }}

{{/* A port from a URL (`scheme://host:port/…`), else `fallback`. */}}
{{- define "mammut.urlPort" -}}
{{- $host := (urlParse .url).host }}
{{- if regexMatch ":[0-9]+$" $host }}{{ regexFind "[0-9]+$" $host }}{{ else }}{{ .fallback }}{{ end }}
{{- end }}

{{/* A bundled server's pod security: its image's own non-root user. */}}
{{- define "mammut.bundledPodSecurity" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* A bundled server's container security; `readOnly`: it writes only to its volumes. */}}
{{- define "mammut.bundledContainerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ .readOnly }}
capabilities:
  drop:
    - ALL
{{- end }}

{{/* The Service a bundled server is reached at (headless: it governs the StatefulSet too). */}}
{{- define "mammut.bundledService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "mammut.componentName" . }}
  labels:
    {{- include "mammut.labels" . | nindent 4 }}
spec:
  clusterIP: None
  selector:
    {{- include "mammut.selectorLabels" . | nindent 4 }}
  ports:
    {{- toYaml .ports | nindent 4 }}
{{- end }}

{{/* A bundled server's data volume, kept per pod by the StatefulSet. */}}
{{- define "mammut.bundledClaim" -}}
volumeClaimTemplates:
  - metadata:
      name: data
      labels:
        {{- include "mammut.selectorLabels" . | nindent 8 }}
    spec:
      accessModes:
        - ReadWriteOnce
      {{- with .persistence.storageClassName }}
      storageClassName: {{ . }}
      {{- end }}
      resources:
        requests:
          storage: {{ .persistence.size }}
{{- end }}

{{- /* DNS and the servers every Mammut process uses (PostgreSQL, Redis, NATS, search, OTLP): egress rules. */}}
{{- define "mammut.serverEgress" -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- $pgPort := $.Values.postgresql.external.port }}
{{- if $.Values.postgresql.external.url }}
{{- $pgPort = include "mammut.urlPort" (dict "url" $.Values.postgresql.external.url "fallback" $pgPort) }}
{{- end }}
{{- include "mammut.egressTo" (dict "root" $ "component" "postgresql" "bundled" $.Values.postgresql.bundled "port" (ternary 5432 $pgPort $.Values.postgresql.bundled)) | nindent 0 }}
{{- $redisPort := $.Values.redis.external.port }}
{{- if $.Values.redis.external.url }}
{{- $redisPort = include "mammut.urlPort" (dict "url" $.Values.redis.external.url "fallback" $redisPort) }}
{{- end }}
{{- include "mammut.egressTo" (dict "root" $ "component" "redis" "bundled" $.Values.redis.bundled "port" (ternary 6379 $redisPort $.Values.redis.bundled)) | nindent 0 }}
{{- $natsPort := $.Values.nats.external.port }}
{{- if $.Values.nats.external.url }}
{{- $natsPort = include "mammut.urlPort" (dict "url" $.Values.nats.external.url "fallback" $natsPort) }}
{{- end }}
{{- include "mammut.egressTo" (dict "root" $ "component" "nats" "bundled" $.Values.nats.bundled "port" (ternary 4222 $natsPort $.Values.nats.bundled)) | nindent 0 }}
{{- if $.Values.elasticsearch.enabled }}
{{- $esPort := $.Values.elasticsearch.external.port }}
{{- if $.Values.elasticsearch.external.url }}
{{- $esPort = include "mammut.urlPort" (dict "url" $.Values.elasticsearch.external.url "fallback" $esPort) }}
{{- end }}
{{- include "mammut.egressTo" (dict "root" $ "component" "elasticsearch" "bundled" $.Values.elasticsearch.bundled "port" (ternary 9200 $esPort $.Values.elasticsearch.bundled)) | nindent 0 }}
{{- end }}
{{- if $.Values.otel.enabled }}
{{- $collector := and $.Values.otel.collector.enabled (not $.Values.otel.endpoint) }}
{{- $otelPort := $.Values.otel.port }}
{{- if $.Values.otel.endpoint }}
{{- $otelPort = include "mammut.urlPort" (dict "url" $.Values.otel.endpoint "fallback" $otelPort) }}
{{- end }}
{{- include "mammut.egressTo" (dict "root" $ "component" "otel-collector" "bundled" $collector "port" (ternary 4318 $otelPort $collector)) | nindent 0 }}
{{- end }}
{{- end }}
