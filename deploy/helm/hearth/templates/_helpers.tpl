{{/* Labels every object of the release carries. */}}
{{- define "hearth.labels" -}}
app.kubernetes.io/name: hearth
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The labels a role's selector matches on (the role label is added by each template). */}}
{{- define "hearth.selectorLabels" -}}
app.kubernetes.io/name: hearth
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* hearth:<tag>, the tag defaulting to the chart's appVersion. */}}
{{- define "hearth.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{/* Environment of both roles: files, listen address, endpoints, and secrets by reference. */}}
{{- define "hearth.env" -}}
- name: TZ
  value: {{ .Values.timezone | quote }}
- name: HEARTH_CONFIG
  value: /config/hearth.yml
- name: CHANNEL_CONFIG
  value: /config/channels.yml
- name: HEARTH_HOST
  value: 0.0.0.0
- name: HEARTH_PORT
  value: "8080"
- name: HEARTH_DATA_DIR
  value: /data
- name: MODEL_ENDPOINT
  value: {{ .Values.modelEndpoint | quote }}
- name: MODEL_NAME
  value: {{ .Values.modelName | quote }}
- name: HEARTH_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: apiToken
- name: HEARTH_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: masterKey
- name: HEARTH_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: redisUrl
- name: HEARTH_HISTORY_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: historyUrl
- name: MODEL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.existingSecret }}
      key: {{ .Values.secrets.modelApiKeyKey }}
      optional: true
{{- if .Values.extraEnv }}
{{ toYaml .Values.extraEnv }}
{{- end }}
{{- end -}}

{{/* Pod-level security: the image's numeric non-root user, no service account token. */}}
{{- define "hearth.podSecurity" -}}
serviceAccountName: {{ .Release.Name }}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsGroup: 1000
  fsGroup: 1000
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{/* Container-level security: read-only root, no privilege escalation, no capabilities. */}}
{{- define "hearth.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Volumes of both roles: config, the JWT key from the Secret, /data, a writable /tmp. */}}
{{- define "hearth.volumes" -}}
- name: config
  configMap:
    name: {{ .Release.Name }}-config
- name: secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    items:
      - key: jwtKey
        path: jwt-signing.jwk
- name: data
{{- if .Values.persistence.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir: {}
{{- end -}}

{{- define "hearth.volumeMounts" -}}
- name: config
  mountPath: /config
  readOnly: true
- name: secrets
  mountPath: /secrets
  readOnly: true
- name: data
  mountPath: /data
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Probes: /healthz = the process is alive, /readyz = it can serve (stores open, not draining). */}}
{{- define "hearth.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 2
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 2
{{- end -}}

{{/* Egress rule: cluster DNS. */}}
{{- define "hearth.egress.dns" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/* Egress rule: HTTPS to public addresses only (private ranges stay closed). */}}
{{- define "hearth.egress.publicHttps" -}}
- to:
    - ipBlock:
        cidr: 0.0.0.0/0
        except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]
  ports:
    - port: 443
      protocol: TCP
{{- end -}}
