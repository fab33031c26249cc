#!/usr/bin/env bash
# Record real Alertmanager API v2 and Prometheus alerting API responses for
# tests/alertmanager_contract.rs.
#
# Starts, on free loopback ports with temporary storage:
#   - two Alertmanagers peered into one HA cluster (A and B), running examples/minimarket/alertmanager.yml;
#   - a third Alertmanager with clustering off and nothing in it (the empty answers);
#   - a Prometheus evaluating examples/minimarket/alerts.yml with every `for:` rewritten to `0s` and every
#     group `interval:` to `1s` (so alerts fire at once), plus a `fixture` group holding an alert that
#     stays pending (`for: 1h`), one whose expression fails at evaluation (many-to-many matching) and
#     an hourly group most likely not evaluated yet;
#     it scrapes itself and a port where nothing listens (job `agente_deposito`, so `up == 0` fires
#     ServiceDown), and sends its alerts to A and B.
# Prometheus resends every second (`--rules.alert.resend-delay=1s`): an alert that fired before it
# knew its Alertmanagers is dropped, and would otherwise come back only a minute later.
# Then posts alerts straight to A (one inhibited by ServiceDown, one to be silenced), creates silences
# (active, pending, expired), and saves raw bodies with curl as tests/fixtures/alertmanager/NAME.json
# (NAME.txt when the body is not JSON) and the HTTP status code as NAME.status, and regenerates the
# table in tests/fixtures/alertmanager/README.md. Every server is killed on exit.
#
# Nothing leaves the loopback interface (the receivers are webhooks to 127.0.0.1:9, where nothing
# listens). Run it again only when the fixtures should change:
#     bash scripts/record-alertmanager-fixtures.sh
# Environment: ALERTMANAGER_BIN, PROMETHEUS_BIN (default: on the PATH), OUT (default: the fixture dir).
set -euo pipefail
cd "$(dirname "$0")/.."

AM=${ALERTMANAGER_BIN:-$(command -v prometheus-alertmanager || command -v alertmanager || true)}
PROM=${PROMETHEUS_BIN:-$(command -v prometheus || true)}
for b in "$AM" "$PROM"; do
    if [[ -z "$b" || ! -x "$b" ]]; then
        echo "prometheus or alertmanager is not installed; run scripts/install-test-deps.sh or set PROMETHEUS_BIN / ALERTMANAGER_BIN" >&2
        exit 1
    fi
done
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
OUT=${OUT:-tests/fixtures/alertmanager}
mkdir -p "$OUT"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

USED=" "
free_port() {
    local p
    while :; do
        p=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
        if [[ "$USED" != *" $p "* ]]; then
            USED+="$p "
            echo "$p"
            return
        fi
    done
}

wait_ready() {
    local base=$1 name=$2
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$base/-/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "$name did not become ready; its log:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
}

# poll WHAT CMD…: run CMD until it succeeds, for up to 60 s.
poll() {
    local what=$1
    shift
    for _ in $(seq 1 120); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    echo "gave up waiting for: $what" >&2
    tail -n 30 "$WORK"/*.log >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------
# Servers

AM_A=$(free_port); AM_A_GOSSIP=$(free_port)
AM_B=$(free_port); AM_B_GOSSIP=$(free_port)
AM_C=$(free_port)
PROM_PORT=$(free_port)
DEAD_PORT=$(free_port) # nothing listens here: the "down" service

cp examples/minimarket/alertmanager.yml "$WORK/alertmanager.yml"

# start_am NAME PORT GOSSIP PEER (GOSSIP empty: clustering off)
start_am() {
    local name=$1 port=$2 gossip=$3 peer=$4
    local args=(
        "--config.file=$WORK/alertmanager.yml"
        "--storage.path=$WORK/$name-data"
        "--web.listen-address=127.0.0.1:$port"
        "--cluster.listen-address=${gossip:+127.0.0.1:$gossip}"
    )
    if [[ -n "$gossip" ]]; then
        args+=(
            "--cluster.advertise-address=127.0.0.1:$gossip"
            "--cluster.peer=127.0.0.1:$peer"
            "--cluster.gossip-interval=50ms"
            "--cluster.settle-timeout=2s"
        )
    fi
    "$AM" "${args[@]}" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
}
start_am am-a "$AM_A" "$AM_A_GOSSIP" "$AM_B_GOSSIP"
start_am am-b "$AM_B" "$AM_B_GOSSIP" "$AM_A_GOSSIP"
start_am am-c "$AM_C" "" ""

# The example rules, firing at once; and the fixture group.
python3 - "$WORK/alerts.yml" <<'EOF'
import re, sys
src = open("examples/minimarket/alerts.yml").read()
src = re.sub(r"(?m)^(\s+)for: .*$", r"\1for: 0s", src)
src = re.sub(r"(?m)^(\s+)interval: .*$", r"\1interval: 1s", src)
src += """
  - name: fixture
    interval: 1s
    rules:
      # Always true, but `for: 1h`: stays pending.
      - alert: PendingForAnHour
        expr: up{job="prometheus"} == 1
        for: 1h
        labels:
          severity: medium
          service: prometheus
        annotations:
          summary: "Pending for an hour before it fires"
      # Fails at every evaluation: both sides hold two `up` series and `on()` matches them all.
      - alert: BrokenManyToMany
        expr: up + on() up
        labels:
          severity: high
        annotations:
          summary: "Never evaluates"
  # Evaluated once an hour, at an offset within the hour: not yet evaluated when recording (most
  # likely), so health `unknown` and a zero `lastEvaluation`.
  - name: fixture_hourly
    interval: 1h
    rules:
      - alert: HourlyCheck
        expr: vector(1)
        labels:
          severity: medium
"""
open(sys.argv[1], "w").write(src)
EOF
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$AM_A', '127.0.0.1:$AM_B']
rule_files:
  - '$WORK/alerts.yml'
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PROM_PORT']
  - job_name: agente_deposito
    static_configs:
      - targets: ['127.0.0.1:$DEAD_PORT']
EOF
"$PROM" "--config.file=$WORK/prometheus.yml" "--storage.tsdb.path=$WORK/prom-data" \
    "--web.listen-address=127.0.0.1:$PROM_PORT" "--web.external-url=http://127.0.0.1:$PROM_PORT/" \
    "--rules.alert.resend-delay=1s" >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)

A="http://127.0.0.1:$AM_A"
B="http://127.0.0.1:$AM_B"
C="http://127.0.0.1:$AM_C"
P="http://127.0.0.1:$PROM_PORT"
wait_ready "$A" am-a
wait_ready "$B" am-b
wait_ready "$C" am-c
wait_ready "$P" prometheus

has() { curl -fsS "$1" | grep -q "$2"; }
two_peers() { [[ $(curl -fsS "$1/api/v2/status" | grep -o '"address"' | wc -l) -eq 2 ]]; }
poll "A sees 2 peers" two_peers "$A"
poll "B sees 2 peers" two_peers "$B"
poll "Prometheus fires ServiceDown" has "$P/api/v1/alerts" '"alertname":"ServiceDown".*"state":"firing"\|"state":"firing".*"alertname":"ServiceDown"'
poll "the broken rule fails" has "$P/api/v1/rules" '"health":"err"'
poll "A receives ServiceDown and Watchdog from Prometheus" \
    bash -c "curl -fsS '$A/api/v2/alerts' | grep -q ServiceDown && curl -fsS '$A/api/v2/alerts' | grep -q Watchdog"

# ---------------------------------------------------------------------------------------------------
# Alerts posted straight to A, as another Prometheus would

iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.000Z; }
NOW_ISO=$(iso now)
IN_1H=$(iso '+1 hour')
IN_2H=$(iso '+2 hours')
curl -fsS -X POST -H 'Content-Type: application/json' "$A/api/v2/alerts" -d @- <<EOF
[
  {"labels": {"alertname": "HighLatency", "severity": "high", "category": "performance",
              "service": "agente_deposito", "job": "agente_deposito"},
   "annotations": {"summary": "High latency on agente_deposito", "description": "P95 latency > 500ms"},
   "startsAt": "$NOW_ISO", "endsAt": "$IN_1H", "generatorURL": "http://prometheus.example/graph?g0.expr=x"},
  {"labels": {"alertname": "StockCritico", "severity": "high", "category": "business",
              "service": "agente_negocio", "job": "agente_negocio"},
   "annotations": {"summary": "Products with critical stock level", "description": "7 products below minimum stock threshold"},
   "startsAt": "$NOW_ISO", "endsAt": "$IN_1H"},
  {"labels": {"alertname": "SlowRequests", "severity": "medium", "category": "performance",
              "service": "ml_service", "job": "ml_service"},
   "annotations": {"summary": "Slow requests detected on ml_service"}}
]
EOF

TABLE="$WORK/table"
: >"$TABLE"
# record NAME METHOD URL [curl args…]: save the body (NAME.json, or NAME.txt when it is not JSON) and
# the status code (NAME.status); note the request in the README table.
record() {
    local name=$1 method=$2 url=$3
    shift 3
    local code ctype
    rm -f "$OUT/$name.json" "$OUT/$name.txt"
    read -r code ctype < <(curl -sS -o "$WORK/body" -w '%{http_code} %{content_type}\n' -X "$method" "$@" "$url")
    local ext=txt
    if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$WORK/body" 2>/dev/null; then
        ext=json
    fi
    mv "$WORK/body" "$OUT/$name.$ext"
    echo "$code" >"$OUT/$name.status"
    local path=${url#http://127.0.0.1:*/}
    echo "| \`$name.$ext\` | $code | \`${ctype:-none}\` | $method \`/$path\` | ${NOTE:-} |" >>"$TABLE"
    echo "  $name.$ext: HTTP $code"
}

# silence JSON: POST a silence to A; prints the whole response.
post_silence() { curl -fsS -X POST -H 'Content-Type: application/json' "$A/api/v2/silences" -d "$1"; }
silence_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["silenceID"])'; }

echo "recording into $OUT"

# An active silence over StockCritico (regex and equality matchers).
NOTE='an active silence: `alertname="StockCritico"`, `service=~"agente_.*"`' \
    record post_silence_ok POST "$A/api/v2/silences" -H 'Content-Type: application/json' -d @- <<EOF
{"matchers": [{"name": "alertname", "value": "StockCritico", "isRegex": false, "isEqual": true},
              {"name": "service", "value": "agente_.*", "isRegex": true, "isEqual": true}],
 "startsAt": "$NOW_ISO", "endsAt": "$IN_2H", "createdBy": "ana@minimarket", "comment": "restock ordered, OC-4411"}
EOF
# A pending silence (starts in an hour) with the negative operators.
post_silence "{\"matchers\": [{\"name\": \"service\", \"value\": \"dashboard\", \"isRegex\": false, \"isEqual\": false},
    {\"name\": \"severity\", \"value\": \"critical|high\", \"isRegex\": true, \"isEqual\": false}],
    \"startsAt\": \"$IN_1H\", \"endsAt\": \"$IN_2H\", \"createdBy\": \"bruno@minimarket\",
    \"comment\": \"maintenance window: medium alerts only\"}" >/dev/null
# An expired silence: created, then expired.
EXPIRED=$(post_silence "{\"matchers\": [{\"name\": \"alertname\", \"value\": \"Watchdog\", \"isRegex\": false, \"isEqual\": true}],
    \"startsAt\": \"$NOW_ISO\", \"endsAt\": \"$IN_1H\", \"createdBy\": \"carla@minimarket\",
    \"comment\": \"silenced the watchdog by mistake\"}" | silence_id)
NOTE="expiring an existing silence" record delete_silence_ok DELETE "$A/api/v2/silence/$EXPIRED"

# The silence and the inhibition act when the API is asked; the HA peer has the silences through gossip.
poll "the inhibition of HighLatency" has "$A/api/v2/alerts" '"inhibitedBy":\["'
poll "B sees the 3 silences" bash -c "[[ \$(curl -fsS '$B/api/v2/silences' | grep -o '\"id\"' | wc -l) -eq 3 ]]"

NOTE="the client's query: every alert" \
    record alerts GET "$A/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
NOTE="the client's query" record groups GET "$A/api/v2/alerts/groups?active=true&silenced=true&inhibited=true"
NOTE="active, pending and expired" record silences GET "$A/api/v2/silences"
NOTE="the same silences through gossip" record silences_peer GET "$B/api/v2/silences"
NOTE="clustered with B: two peers" record status GET "$A/api/v2/status"
NOTE="clustering off (\`--cluster.listen-address=\`)" record status_no_cluster GET "$C/api/v2/status"
NOTE="an Alertmanager without alerts" \
    record alerts_empty GET "$C/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
NOTE="" record groups_empty GET "$C/api/v2/alerts/groups?active=true&silenced=true&inhibited=true"
NOTE="" record silences_empty GET "$C/api/v2/silences"

# Bad requests.
NOTE="endsAt before startsAt" \
    record post_silence_bad_times POST "$A/api/v2/silences" -H 'Content-Type: application/json' -d @- <<EOF
{"matchers": [{"name": "alertname", "value": "X", "isRegex": false, "isEqual": true}],
 "startsAt": "$IN_2H", "endsAt": "$IN_1H", "createdBy": "ana", "comment": "backwards"}
EOF
NOTE="no matchers" \
    record post_silence_no_matchers POST "$A/api/v2/silences" -H 'Content-Type: application/json' -d @- <<EOF
{"matchers": [], "startsAt": "$NOW_ISO", "endsAt": "$IN_1H", "createdBy": "ana", "comment": "everything"}
EOF
NOTE="a regex that does not compile" \
    record post_silence_bad_regex POST "$A/api/v2/silences" -H 'Content-Type: application/json' -d @- <<EOF
{"matchers": [{"name": "service", "value": "agente_(", "isRegex": true, "isEqual": true}],
 "startsAt": "$NOW_ISO", "endsAt": "$IN_1H", "createdBy": "ana", "comment": "typo"}
EOF
NOTE="a well-formed id nobody created" \
    record delete_silence_unknown DELETE "$A/api/v2/silence/0a1b2c3d-0000-4000-8000-000000000000"
NOTE="an id that is not a UUID" record delete_silence_not_uuid DELETE "$A/api/v2/silence/not-a-uuid"

# Prometheus's side.
poll "Prometheus has a pending alert" has "$P/api/v1/alerts" '"state":"pending"'
NOTE="pending and firing" record prom_alerts GET "$P/api/v1/alerts"
NOTE="the client's query: alerting rules only" record prom_rules GET "$P/api/v1/rules?type=alert"
NOTE="recording rules too" record prom_rules_all GET "$P/api/v1/rules"

AM_VERSION=$("$AM" --version 2>&1 | head -n 1)
PROM_VERSION=$("$PROM" --version 2>&1 | head -n 1)
{
    sed '/^<!-- recorded -->$/q' "$OUT/README.md" 2>/dev/null || true
} >"$WORK/readme-head"
if ! grep -q '^<!-- recorded -->$' "$WORK/readme-head"; then
    echo '<!-- recorded -->' >"$WORK/readme-head"
fi
{
    cat "$WORK/readme-head"
    cat <<EOF

- Alertmanager: \`$AM_VERSION\`; Prometheus: \`$PROM_VERSION\`.
- Recorded on $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`bash scripts/record-alertmanager-fixtures.sh\`.

| Fixture | Status | Content-Type | Request | What |
|---|---|---|---|---|
EOF
    cat "$TABLE"
} >"$OUT/README.md"
echo "wrote $OUT/README.md"
