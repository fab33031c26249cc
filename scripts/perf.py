#!/usr/bin/env python3
"""Side-by-side measurements of centinela and grafatui in a real tmux pane against a real Prometheus.

The Prometheus scrapes the demo's simulated Mini Market services (`centinela serve-demo`). Both tools
show the same 6 time-series panels, refresh every 5 s, 1 h range, at 160x48. For each run:

  first frame with data   launch -> the first screen with a chart legend (data has arrived)
  RSS after 60 s          VmRSS of the tool's process
  idle CPU                user+system time over seconds 30-60 with no input, % of one core
  bytes/s to the terminal output bytes over seconds 30-60, counted by script(1) around the tool
  key latency (hung)      Prometheus SIGSTOPped; a key that changes the screen at once (centinela: `?`
                          help; grafatui: `+`/`-` range, shown in its header) sent with tmux
                          send-keys -> the pane changes (includes tmux's own send/capture overhead)
  exit after pty closes   script(1), which holds the pty, is SIGKILLed; time until the tool exits

Medians over --runs runs are printed with the ratios, and written to --write (Markdown) if given.
"""
import argparse, json, os, platform, re, shutil, signal, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "centinela")
W, H = 160, 48

PANELS = [  # (title, expr, legend, unit)
    ("Request Rate", 'sum by (job) (rate(http_requests_total[5m]))', "{{job}}", "reqps"),
    ("P95 Latency", 'histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m]))) * 1000', "{{job}}", "ms"),
    ("Error Rate", '100 * sum by (job) (rate(http_errors_total[5m])) / sum by (job) (rate(http_requests_total[5m]))', "{{job}}", "percent"),
    ("Up", 'up', "{{job}}", "short"),
    ("OCR P95", 'histogram_quantile(0.95, sum by (le) (rate(ocr_processing_duration_seconds_bucket[5m]))) * 1000', "P95", "ms"),
    ("Audit events", 'sum by (event_type) (rate(audit_events_total[5m]))', "{{event_type}}", "reqps"),
]


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def free_port():
    import socket
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_http(url, timeout=30):
    import urllib.request
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return r.read()
        except Exception:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout}s")


def centinela_config(prom_url, path):
    out = ['[settings]\nrefresh = "5s"\ntime_range = "1h"\n',
           f'[[environment]]\nname = "perf"\nprometheus = {{ url = "{prom_url}" }}\n',
           '[[dashboard]]\nname = "Perf"\n']
    for i, (title, expr, legend, unit) in enumerate(PANELS):
        x, y = (i % 2) * 12, (i // 2) * 8
        out.append(f"[[dashboard.panel]]\ntitle = \"{title}\"\nkind = \"timeseries\"\nunit = \"{unit}\"\n"
                   f"pos = {{ x = {x}, y = {y}, w = 12, h = 8 }}\nquery = [{{ expr = '{expr}', legend = \"{legend}\" }}]\n")
    open(path, "w").write("\n".join(out))


def grafana_json(path):
    panels = []
    for i, (title, expr, legend, unit) in enumerate(PANELS):
        panels.append({"id": i + 1, "type": "timeseries", "title": title,
                       "gridPos": {"x": (i % 2) * 12, "y": (i // 2) * 8, "w": 12, "h": 8},
                       "fieldConfig": {"defaults": {"unit": unit}},
                       "targets": [{"refId": "A", "expr": expr, "legendFormat": legend}]})
    json.dump({"title": "Perf", "schemaVersion": 38, "refresh": "5s", "time": {"from": "now-1h", "to": "now"},
               "panels": panels}, open(path, "w"))


class Pane:
    def __init__(self, name, cmd, typescript):
        self.name, self.typescript = name, typescript
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        # script(1) sits between the tool and the pane and counts every byte the tool writes.
        inner = f"script -q -f -c {shq(cmd)} {shq(typescript)}"
        self.t0 = time.time()
        sh("tmux", "new-session", "-d", "-s", name, "-x", str(W), "-y", str(H), inner)

    def capture(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def send(self, key):
        sh("tmux", "send-keys", "-t", self.name, key)

    def bytes(self):
        try:
            return os.path.getsize(self.typescript)
        except OSError:
            return 0

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def pid_of(pattern, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        out = subprocess.run(["pgrep", "-n", "-f", pattern], capture_output=True, text=True).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.05)
    raise SystemExit(f"no process matching {pattern}")


def ppid(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def alive(pid):
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


def cpu_ns(pid):
    # Nanoseconds on a CPU (all threads), from the scheduler: /proc/PID/stat's 10 ms ticks are too
    # coarse for an idle process over 30 s.
    return sum(int(open(f"{t}/schedstat").read().split()[0]) for t in
               (f"/proc/{pid}/task/{tid}" for tid in os.listdir(f"/proc/{pid}/task")))


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure(tool, cmd, marker, pattern, prom_pid, key):
    ts = tempfile.mktemp(prefix=f"perf-{tool}-", suffix=".typescript")
    pane = Pane(f"perf-{tool}", cmd, ts)
    try:
        first = None
        while time.time() - pane.t0 < 30:
            if marker in pane.capture():
                first = time.time() - pane.t0
                break
            time.sleep(0.01)
        pid = pid_of(pattern)
        time.sleep(max(0, 30 - (time.time() - pane.t0)))
        c0, b0, t0 = cpu_ns(pid), pane.bytes(), time.time()
        time.sleep(max(0, 60 - (time.time() - pane.t0)))
        c1, b1, t1 = cpu_ns(pid), pane.bytes(), time.time()
        rss = rss_kib(pid)
        # Key latency with the backend hung.
        os.kill(prom_pid, signal.SIGSTOP)
        lat = []
        try:
            time.sleep(1)
            for i in range(10):
                before = pane.capture()
                t = time.perf_counter()
                pane.send(key[i % len(key)])
                while pane.capture() == before and time.perf_counter() - t < 2:
                    pass
                lat.append((time.perf_counter() - t) * 1000)
                time.sleep(0.3)
        finally:
            os.kill(prom_pid, signal.SIGCONT)
        # The terminal goes away: kill script(1), which holds the pty master, so the kernel hangs up the
        # tool's terminal, as when an SSH connection drops. (Killing the tmux session is not enough:
        # script survives it and keeps the pty open.)
        alive_after_hup = None
        os.kill(ppid(pid), signal.SIGKILL)
        end = time.time() + 3
        while time.time() < end:
            if not alive(pid):
                alive_after_hup = time.time() - (end - 3)
                break
            time.sleep(0.02)
        if alive_after_hup is None and alive(pid):
            os.kill(pid, signal.SIGKILL)
        return {"first_frame_s": first, "rss_mib": rss / 1024, "idle_cpu_pct": (c1 - c0) / 1e9 / (t1 - t0) * 100,
                "bytes_per_s": (b1 - b0) / (t1 - t0), "key_ms": statistics.median(lat),
                "exit_after_hup_s": alive_after_hup}
    finally:
        pane.close()
        try:
            os.unlink(ts)
        except OSError:
            pass


def start_stack(work, frozen):
    """The demo's services (frozen or moving) and a real Prometheus scraping them every 5 s."""
    demo = subprocess.Popen([BIN, "serve-demo"] + (["--frozen"] if frozen else []), stdout=subprocess.PIPE, text=True)
    info = json.loads(demo.stdout.readline())
    port = free_port()
    scrape = "".join(f"  - job_name: '{s['job']}'\n    static_configs:\n      - targets: ['{s['addr']}']\n"
                     f"    relabel_configs:\n      - target_label: service\n        replacement: '{s['job']}'\n"
                     for s in info["services"])
    tag = "idle" if frozen else "live"
    open(f"{work}/prometheus-{tag}.yml", "w").write(f"global:\n  scrape_interval: 5s\nscrape_configs:\n{scrape}")
    prom = subprocess.Popen(["prometheus", f"--config.file={work}/prometheus-{tag}.yml",
                             f"--storage.tsdb.path={work}/data-{tag}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/-/ready")
    return demo, prom, url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-grafatui", action="store_true")
    ap.add_argument("--write")
    ap.add_argument("--warmup", type=int, default=330, help="seconds of scrapes before measuring (rate windows fill)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="centinela-perf-")
    graf = os.environ.get("GRAFATUI") or shutil.which("grafatui") or "/opt/grafatui/bin/grafatui"
    if not args.no_grafatui and not os.path.exists(graf):
        raise SystemExit("grafatui not found: `cargo install grafatui` or set GRAFATUI, or pass --no-grafatui")
    results = {}
    # idle: the data never changes (frozen demo); live: the demo's values move at every scrape.
    # Both stacks start together and warm up: rate() over [5m] extrapolates differently at every
    # evaluation until five minutes of samples exist, so before that nothing is idle.
    stacks = {scenario: start_stack(work, scenario == "idle") for scenario in ("idle", "live")}
    print(f"warming up Prometheus for {args.warmup} s", flush=True)
    time.sleep(args.warmup)
    for scenario in ("idle", "live"):
        demo, prom, url = stacks[scenario]
        try:
            centinela_config(url, f"{work}/centinela.toml")
            grafana_json(f"{work}/dash.json")
            env = f"CENTINELA_CONFIG_DIR={work} CENTINELA_STATE_DIR={work}/state "
            tools = {"centinela": (env + f"{BIN} --config {work}/centinela.toml", "━ ", f"{BIN} --config", ["?", "?"])}
            if not args.no_grafatui:
                tools["grafatui"] = (f"{graf} --prometheus-url {url} --grafana-json {work}/dash.json --refresh-rate 5000 --range 1h",
                                     "■ ", f"{graf} --prometheus-url", ["+", "-"])
            for run in range(args.runs):
                for tool, (cmd, marker, pattern, key) in tools.items():
                    r = measure(tool, cmd, marker, pattern, prom.pid, key)
                    print(f"{scenario} run {run + 1} {tool}: {json.dumps(r)}", flush=True)
                    results.setdefault(tool, {}).setdefault(scenario, []).append(r)
        finally:
            prom.terminate(); demo.terminate()
            prom.wait(); demo.wait()
    report(results, args.write, args.warmup)


def med(rs, k):
    vals = [r[k] for r in rs if r[k] is not None]
    return statistics.median(vals) if vals else None


def report(results, path, warmup):
    rows = [("first frame with data (s)", "idle", "first_frame_s", "{:.2f}"),
            ("RSS after 60 s (MiB)", "idle", "rss_mib", "{:.1f}"),
            ("CPU, idle: data unchanged (% of a core)", "idle", "idle_cpu_pct", "{:.3f}"),
            ("CPU, data changing every 5 s (% of a core)", "live", "idle_cpu_pct", "{:.3f}"),
            ("bytes/s to the terminal, idle", "idle", "bytes_per_s", "{:.0f}"),
            ("bytes/s to the terminal, data changing", "live", "bytes_per_s", "{:.0f}"),
            ("key to screen, Prometheus SIGSTOPped (ms)", "idle", "key_ms", "{:.1f}"),
            ("exit after the pty closes (s)", "idle", "exit_after_hup_s", "{:.2f}")]
    tools = list(results)
    pair = len(tools) == 2
    lines = ["| measure | " + " | ".join(tools) + (" | centinela / grafatui |" if pair else " |"),
             "|---|" + "---|" * len(tools) + ("---|" if pair else "")]
    for label, scenario, k, fmt in rows:
        vals = [med(results[t].get(scenario, []), k) for t in tools]
        cells = [fmt.format(v) if v is not None else "did not exit in 3 s" for v in vals]
        ratio = ""
        if pair:
            a, b = vals
            ratio = f" {a / b:.2f} |" if a is not None and b else " – |"
        lines.append(f"| {label} | " + " | ".join(cells) + " |" + ratio)
    runs = len(results[tools[0]]["idle"])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    text = (f"Medians of {runs} run(s) per scenario, {W}x{H} tmux pane, the same 6 time-series panels, 5 s refresh, 1 h "
            f"range, the same real Prometheus ({sh('prometheus', '--version').splitlines()[0]}, 5 s scrape) reading the "
            f"demo's simulated services: frozen (idle: values never change) and moving (data changing), after "
            f"{warmup} s of scrapes so the 5 m rate windows are full.\n"
            f"Machine: {machine}.\n\n" + "\n".join(lines) + "\n")
    print("\n" + text)
    if path:
        open(path, "w").write("# Performance\n\nMeasured with `scripts/perf.sh` (see the header of `scripts/perf.py` for the "
                              "method).\n\n" + text)


if __name__ == "__main__":
    main()
