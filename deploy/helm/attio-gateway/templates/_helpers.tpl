{{- define "attio-gateway.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "attio-gateway.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "attio-gateway.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "attio-gateway.secretName" -}}
{{- if .Values.existingSecret -}}{{ .Values.existingSecret }}{{- else -}}{{ include "attio-gateway.fullname" . }}{{- end -}}
{{- end -}}

{{/* The environment every container of the chart gets. */}}
{{- define "attio-gateway.env" -}}
env:
  - name: ATTIO_GATEWAY_BASE_URL
    value: {{ .Values.baseUrl | quote }}
{{- range $name, $value := .Values.extraEnv }}
  - name: {{ $name }}
    value: {{ $value | quote }}
{{- end }}
envFrom:
  - secretRef:
      name: {{ include "attio-gateway.secretName" . }}
{{- end -}}
