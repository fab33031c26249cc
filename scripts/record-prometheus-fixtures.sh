#!/usr/bin/env bash
# Record real Prometheus HTTP API responses for tests/prometheus_contract.rs.
#
# Starts two throw-away Prometheus servers on free loopback ports (one plain, one with
# --web.route-prefix=/prom), each with a temporary storage dir and a config that scrapes itself every
# second; waits until enough scrapes have landed for a 30 s range query to be full; then saves the raw
# response bodies with curl as tests/fixtures/prometheus/NAME.json and the HTTP status code as
# NAME.status, and regenerates tests/fixtures/prometheus/README.md. The servers are killed on exit.
#
# Nothing leaves the loopback interface. Run it again only when the fixtures should change:
#     bash scripts/record-prometheus-fixtures.sh
# Environment: PROMETHEUS_BIN (default: `prometheus` on the PATH), OUT (default: the fixture dir).
set -euo pipefail
cd "$(dirname "$0")/.."

PROM=${PROMETHEUS_BIN:-$(command -v prometheus || true)}
if [[ -z "$PROM" || ! -x "$PROM" ]]; then
    echo "prometheus is not installed; run scripts/install-test-deps.sh or set PROMETHEUS_BIN" >&2
    exit 1
fi
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
OUT=${OUT:-tests/fixtures/prometheus}
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

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start NAME PORT ROUTE_PREFIX: a server scraping its own /metrics every second.
start() {
    local name=$1 port=$2 prefix=$3
    mkdir -p "$WORK/$name"
    cat >"$WORK/$name/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    metrics_path: ${prefix}/metrics
    static_configs:
      - targets: ['127.0.0.1:${port}']
EOF
    local args=(
        "--config.file=$WORK/$name/prometheus.yml"
        "--storage.tsdb.path=$WORK/$name/data"
        "--web.listen-address=127.0.0.1:$port"
    )
    if [[ -n "$prefix" ]]; then
        args+=("--web.route-prefix=$prefix")
    fi
    "$PROM" "${args[@]}" >"$WORK/$name/log" 2>&1 &
    PIDS+=($!)
    echo "$PROM ${args[*]}" >"$WORK/$name/cmd"
}

wait_ready() {
    local base=$1 name=$2
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$base/-/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "prometheus ($name) did not become ready; its log:" >&2
    cat "$WORK/$name/log" >&2
    exit 1
}

# scrapes BASE: how many samples of `up` the last minute holds.
scrapes() {
    curl -fsS --data-urlencode 'query=count_over_time(up[1m])' "$1/api/v1/query" \
        | sed -n 's/.*"value":\[[0-9.e+]*,"\([0-9]*\)"\].*/\1/p'
}

PORT=$(free_port)
start plain "$PORT" ""
PREFIX_PORT=$(free_port)
while [[ "$PREFIX_PORT" == "$PORT" ]]; do PREFIX_PORT=$(free_port); done
start prefixed "$PREFIX_PORT" /prom
BASE="http://127.0.0.1:$PORT"
PREFIX_BASE="http://127.0.0.1:$PREFIX_PORT/prom"
wait_ready "$BASE" plain
wait_ready "$PREFIX_BASE" prefixed

# Enough scrapes that a rate over the last 30 s at step 2 has a point at every step.
echo "waiting for 35 scrapes (about 35 s)…"
for _ in $(seq 1 120); do
    n=$(scrapes "$BASE" || true)
    if [[ -n "$n" && "$n" -ge 35 ]]; then
        break
    fi
    sleep 1
done
n=$(scrapes "$BASE" || true)
if [[ -z "$n" || "$n" -lt 35 ]]; then
    echo "only ${n:-0} scrapes after 120 s; the log:" >&2
    cat "$WORK/plain/log" >&2
    exit 1
fi
for _ in $(seq 1 30); do
    n=$(scrapes "$PREFIX_BASE" || true)
    [[ -n "$n" && "$n" -ge 3 ]] && break
    sleep 1
done

NOW=$(date +%s)
END=$NOW
START=$((END - 30))

TABLE="$WORK/table"
: >"$TABLE"
# record NAME METHOD URL [curl args…]: save the body and the status code; note the request.
record() {
    local name=$1 method=$2 url=$3
    shift 3
    local code
    if [[ "$method" == POST ]]; then
        code=$(curl -sS -o "$OUT/$name.json" -w '%{http_code}' -X POST "$@" "$url")
    else
        code=$(curl -sS -o "$OUT/$name.json" -w '%{http_code}' -G "$@" "$url")
    fi
    echo "$code" >"$OUT/$name.status"
    # The request as a readable line: the form fields, unencoded.
    local fields=() a
    while (($#)); do
        a=$1
        shift
        if [[ "$a" == --data-urlencode || "$a" == --data ]]; then
            fields+=("\`${1//|/\\|}\`")
            shift
        fi
    done
    local path=${url#http://127.0.0.1:*/}
    echo "| \`$name\` | $code | $method \`/$path\` | ${fields[*]:-} |" >>"$TABLE"
    echo "  $name: HTTP $code"
}

q() { printf 'query=%s' "$1"; }

echo "recording into $OUT"
I="$BASE/api/v1/query"
R="$BASE/api/v1/query_range"
T="time=$NOW"

# Every query goes as a POST form, as the client sends it.
record instant_vector POST "$I" --data-urlencode "$(q 'up')" --data-urlencode "$T"
record range_matrix POST "$R" --data-urlencode "$(q 'rate(prometheus_http_requests_total[1m])')" \
    --data-urlencode "start=$START" --data-urlencode "end=$END" --data-urlencode "step=2"
record scalar POST "$I" --data-urlencode "$(q 'scalar(up{job="prometheus"})')" --data-urlencode "$T"
record string POST "$I" --data-urlencode "$(q '"hello"')" --data-urlencode "$T"
record empty_vector POST "$I" --data-urlencode "$(q 'nonexistent_metric')" --data-urlencode "$T"
record empty_matrix POST "$R" --data-urlencode "$(q 'nonexistent_metric')" \
    --data-urlencode "start=$START" --data-urlencode "end=$END" --data-urlencode "step=2"
record scalar_nan POST "$I" --data-urlencode "$(q '0/0')" --data-urlencode "$T"
record scalar_pos_inf POST "$I" --data-urlencode "$(q '1/0')" --data-urlencode "$T"
record scalar_neg_inf POST "$I" --data-urlencode "$(q '-1/0')" --data-urlencode "$T"
record vector_inf POST "$I" --data-urlencode "$(q 'up/0')" --data-urlencode "$T"
record vector_special POST "$I" --data-urlencode \
    "$(q 'label_replace(up/0, "v", "pos", "", "") or label_replace(-up/0, "v", "neg", "", "") or label_replace((up-up)/0, "v", "nan", "", "")')" \
    --data-urlencode "$T"
record matrix_special POST "$R" --data-urlencode \
    "$(q 'label_replace(up/0, "v", "pos", "", "") or label_replace(-up/0, "v", "neg", "", "") or label_replace((up-up)/0, "v", "nan", "", "")')" \
    --data-urlencode "start=$START" --data-urlencode "end=$END" --data-urlencode "step=2"
record post_form_query POST "$I" \
    --data-urlencode "$(q 'sum by (job, code) (rate(prometheus_http_requests_total{handler=~"/api/v1/.*", code!="500"}[1m])) > -1 and on() vector(1) == 1')" \
    --data-urlencode "$T"
record buildinfo GET "$BASE/api/v1/status/buildinfo"

# Prometheus's own errors.
record error_syntax POST "$I" --data-urlencode "$(q 'rate(')" --data-urlencode "$T"
record error_bad_step POST "$R" --data-urlencode "$(q 'up')" \
    --data-urlencode "start=$START" --data-urlencode "end=$END" --data-urlencode "step=0"
record error_too_many_points POST "$R" --data-urlencode "$(q 'up')" \
    --data-urlencode "start=$((END - 86400))" --data-urlencode "end=$END" --data-urlencode "step=1"
record error_execution POST "$I" \
    --data-urlencode "$(q '{__name__=~"up|scrape_samples_scraped"} - 0')" --data-urlencode "$T"
# What a POST becomes after a 301/302 redirect: a GET without the form.
record error_no_query GET "$I"

# The same API under a path prefix, and the plain path on that server (a plain-text 404).
record prefix_instant_vector POST "$PREFIX_BASE/api/v1/query" --data-urlencode "$(q 'up')" --data-urlencode "$T"
record prefix_buildinfo GET "$PREFIX_BASE/api/v1/status/buildinfo"
record prefix_missing POST "http://127.0.0.1:$PREFIX_PORT/api/v1/query" --data-urlencode "$(q 'up')" --data-urlencode "$T"

VERSION=$("$PROM" --version 2>&1 | head -n 1)
{
    cat <<EOF
# Recorded Prometheus API responses

Raw response bodies of a real Prometheus, used by \`tests/prometheus_contract.rs\` to check the client
against what the server really sends. \`NAME.json\` is the body exactly as received (not reformatted) and
\`NAME.status\` the HTTP status code.

- Server: \`$VERSION\` (Debian package \`prometheus\`), \`$PROM\`.
- Recorded on $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`bash scripts/record-prometheus-fixtures.sh\`, which ran
  (ports chosen free at the time, storage in a temporary directory):
  - \`prometheus --config.file=… --storage.tsdb.path=… --web.listen-address=127.0.0.1:PORT\`
  - \`prometheus --config.file=… --storage.tsdb.path=… --web.listen-address=127.0.0.1:PORT2 --web.route-prefix=/prom\`
- Both scrape themselves every second (job \`prometheus\`); recording began after 35 scrapes.
- Instant queries were evaluated at \`time=$NOW\`; range queries cover \`start=$START\` to \`end=$END\`
  (except \`error_too_many_points\`, one day at step 1).
- Every query was sent as an \`application/x-www-form-urlencoded\` POST, as the client sends it; the
  \`buildinfo\` requests are GETs, and so is \`error_no_query\` (a GET without parameters, which is what
  a POST turns into when a proxy answers it with a 301 or 302 redirect).

To re-record, run the script again (it needs \`prometheus\`, \`curl\` and \`python3\`; it talks to
127.0.0.1 only). The tests read values from these files, so they keep passing after a re-recording.

| Fixture | Status | Request | Form fields |
|---|---|---|---|
EOF
    cat "$TABLE"
} >"$OUT/README.md"
echo "wrote $OUT/README.md"
