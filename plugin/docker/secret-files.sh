#!/bin/sh
# Grafana's image reads GF_*__FILE itself; provisioning/ reads these from the environment, so
# their <NAME>_FILE forms are read here before Grafana's own entrypoint (the arguments) starts.
# Rules as the ingester's: one of NAME and NAME_FILE, a readable file, its trailing newlines dropped.
set -eu
for name in API_TOKEN GRAFANA_READER_PASSWORD SLACK_WEBHOOK_URL; do
  eval "file=\${${name}_FILE:-}"
  eval "value=\${${name}:-}"
  [ -n "$file" ] || continue
  if [ -n "$value" ]; then
    echo "engmetrics: set either $name or ${name}_FILE, not both" >&2
    exit 1
  fi
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "engmetrics: ${name}_FILE: cannot read $file" >&2
    exit 1
  fi
  export "$name=$(cat "$file")"
  unset "${name}_FILE"
done
# Grafana refuses a Slack contact point without a URL: one that answers nothing stands in.
export SLACK_WEBHOOK_URL="${SLACK_WEBHOOK_URL:-http://localhost/slack-webhook-not-configured}"
exec "$@"
