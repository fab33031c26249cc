//! The demo's logs: a deterministic function of the [`World`], like its metrics, so any window of
//! history can be enumerated in either direction without storing anything.
//!
//! Each source (the four services, then the audit log) has a fixed tick period with a per-tick jitter
//! smaller than the period, so tick `k` falls in `[k·P, (k+1)·P)` and the ticks of a window are a range
//! of `k` found by division: a query for the newest 100 lines walks 100-odd ticks, whatever the window.
//! At each tick the [`Script`] decides from the world whether the source logs and what (level and kind
//! of line); [`super::loki_lines`] renders the text only when a query needs it.
//!
//! The incident as the logs tell it: `ml_service` warns about slow requests and OCR timeouts from
//! t0+20 s, more as it slows; `agente_negocio` logs 5xx errors from t0+35 s, crashes in its last three
//! ticks before t0+40 s and is silent while down (so are the audit events it writes); the dashboard and
//! `agente_deposito` log `upstream agente_negocio unreachable` meanwhile; after [`World::restart`]
//! `agente_negocio` logs a start-up sequence and then normal lines again.

use super::scenario::{self, World};
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub type Labels = BTreeMap<String, String>;

/// A stream's `level` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Info, Level::Warn, Level::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// The audit log's source index: the services come first, in [`scenario::SERVICES`] order.
pub const AUDIT: usize = scenario::SERVICES.len();
pub const SOURCES: usize = AUDIT + 1;
/// The audit stream's `job` label, as the stack's security dashboard queries it.
pub const AUDIT_JOB: &str = "audit_logs";
/// Lines of the crash and of the start-up after a restart.
pub const CRASH_LINES: i64 = 3;
pub const STARTUP_LINES: i64 = 5;

/// The job name of a service source (`audit_logs` for the audit source).
pub fn job(source: usize) -> &'static str {
    scenario::SERVICES.get(source).map_or(AUDIT_JOB, |s| s.0)
}

pub fn source_of(job: &str) -> Option<usize> {
    scenario::SERVICES.iter().position(|s| s.0 == job)
}

/// Tick period of a source, ns: how often it may log.
pub fn period_ns(source: usize) -> i64 {
    match job(source) {
        "agente_deposito" => 900_000_000,
        "agente_negocio" => 500_000_000,
        "ml_service" => 1_300_000_000,
        "dashboard" => 600_000_000,
        _ => 2_000_000_000,
    }
}

/// One stream: its labels and which source and level feed it.
#[derive(Debug)]
pub struct StreamDef {
    pub labels: Labels,
    pub source: usize,
    pub level: Option<Level>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

static STREAMS: LazyLock<Vec<StreamDef>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for (source, (job, _, container)) in scenario::SERVICES.iter().enumerate() {
        for level in Level::ALL {
            out.push(StreamDef {
                // `service_name` is what Loki 3 adds at ingestion, from the `service` label.
                labels: labels(&[
                    ("container", container),
                    ("environment", "production"),
                    ("level", level.as_str()),
                    ("service", job),
                    ("service_name", job),
                    ("stream", "stdout"),
                ]),
                source,
                level: Some(level),
            });
        }
    }
    out.push(StreamDef {
        labels: labels(&[
            ("environment", "production"),
            ("job", AUDIT_JOB),
            ("service", "agente_negocio"),
            ("service_name", "agente_negocio"),
        ]),
        source: AUDIT,
        level: None,
    });
    out
});

/// Every stream the demo's Loki holds, indexed by [`stream_of`].
pub fn streams() -> &'static [StreamDef] {
    &STREAMS
}

pub fn stream_of(source: usize, level: Level) -> usize {
    if source == AUDIT {
        3 * AUDIT
    } else {
        source * 3 + level as usize
    }
}

/// A 64-bit mix (splitmix64's finaliser): the demo's per-tick randomness.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform number in [0, 1) from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn seed(source: usize) -> u64 {
    scenario::id(job(source))
}

/// A tick of a source: when it may log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub source: usize,
    pub k: i64,
    pub ts_ns: i64,
}

impl Tick {
    pub fn new(source: usize, k: i64) -> Tick {
        let p = period_ns(source);
        let jitter = (mix(seed(source) ^ k as u64) % p as u64) as i64;
        Tick { source, k, ts_ns: k * p + jitter }
    }

    /// This tick's own random bits.
    pub fn hash(&self) -> u64 {
        mix(seed(self.source).rotate_left(17) ^ mix(self.k as u64))
    }
}

/// The first tick of `source` at or after `ts_ns`.
pub fn first_tick_from(source: usize, ts_ns: i64) -> i64 {
    let k = ts_ns.div_euclid(period_ns(source));
    if Tick::new(source, k).ts_ns >= ts_ns {
        k
    } else {
        k + 1
    }
}

/// The ticks of one source with `start <= ts < end`, oldest or newest first.
#[derive(Debug, Clone)]
pub struct Ticks {
    source: usize,
    lo: i64,
    hi: i64,
    forward: bool,
}

pub fn ticks(source: usize, start_ns: i64, end_ns: i64, forward: bool) -> Ticks {
    let lo = first_tick_from(source, start_ns);
    let hi = first_tick_from(source, end_ns).max(lo);
    Ticks { source, lo, hi, forward }
}

impl Ticks {
    /// How many ticks are left.
    pub fn len(&self) -> i64 {
        self.hi - self.lo
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Iterator for Ticks {
    type Item = Tick;

    fn next(&mut self) -> Option<Tick> {
        if self.lo >= self.hi {
            return None;
        }
        let k = if self.forward {
            self.lo += 1;
            self.lo - 1
        } else {
            self.hi -= 1;
            self.hi
        };
        Some(Tick::new(self.source, k))
    }
}

/// What a tick logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A request served normally.
    Request,
    /// An access line with colour escapes and a tab, as uvicorn prints when it thinks it has a terminal.
    Noisy,
    /// The service's everyday warnings and errors.
    Warn,
    Error,
    /// `agente_negocio` failing before it falls: 5xx with the database pool exhausted.
    Incident,
    SlowDb,
    /// The `i`th line of `agente_negocio`'s crash / of its start-up after a restart.
    Crash(u8),
    Startup(u8),
    /// `ml_service` slowed down.
    SlowRequest,
    OcrTimeout,
    /// A caller of `agente_negocio` while it fails / while it is down.
    Upstream5xx,
    UpstreamDown,
    /// An audit event: index into [`scenario::EVENT_TYPES`]; `burst` for a brute-force attempt.
    Audit {
        event: u8,
        burst: bool,
    },
}

/// One line a tick emitted: which stream it went to and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub stream: usize,
    pub kind: Kind,
}

/// Audit events come in 10-minute blocks; a third of them open with a 40 s brute-force burst.
const AUDIT_BLOCK_NS: i64 = 600_000_000_000;
const AUDIT_BURST_NS: i64 = 40_000_000_000;

/// The world's state, read once per query: what decides each tick.
pub struct Script<'w> {
    pub world: &'w World,
    errors_ns: i64,
    down_ns: i64,
    heal_ns: Option<i64>,
    /// The first crash tick and the first tick after the restart.
    crash_k: i64,
    startup_k: Option<i64>,
}

fn secs_to_ns(s: f64) -> i64 {
    (s * 1000.0).round() as i64 * 1_000_000
}

impl<'w> Script<'w> {
    pub fn new(world: &'w World) -> Script<'w> {
        let negocio = source_of("agente_negocio").unwrap_or(1);
        let t0 = secs_to_ns(world.t0);
        let down_ns = t0 + secs_to_ns(scenario::NEGOCIO_DOWN_AT);
        let heal_ns = world.healed_at().map(secs_to_ns);
        Script {
            world,
            errors_ns: t0 + secs_to_ns(scenario::NEGOCIO_ERRORS_AT),
            down_ns,
            heal_ns,
            crash_k: first_tick_from(negocio, down_ns) - CRASH_LINES,
            startup_k: heal_ns.map(|h| first_tick_from(negocio, h)),
        }
    }

    /// Whether `agente_negocio` is down at `ts` (to the nanosecond, unlike the float `World::is_down`).
    pub fn negocio_down(&self, ts: i64) -> bool {
        !self.world.frozen && ts >= self.down_ns && self.heal_ns.is_none_or(|h| ts < h)
    }

    fn negocio_failing(&self, ts: i64) -> bool {
        !self.world.frozen && ts >= self.errors_ns && ts < self.down_ns
    }

    /// What `tick` logs, if anything.
    pub fn event(&self, tick: Tick) -> Option<Event> {
        let (source, ts) = (tick.source, tick.ts_ns);
        if source == AUDIT {
            return self.audit(tick).map(|kind| Event { stream: stream_of(AUDIT, Level::Info), kind });
        }
        if self.world.frozen {
            return Some(Event { stream: stream_of(source, Level::Info), kind: Kind::Request });
        }
        let u = unit(tick.hash());
        let t = ts as f64 / 1e9;
        let (level, kind) = match job(source) {
            "agente_negocio" => {
                if self.negocio_down(ts) {
                    return None;
                }
                if (self.crash_k..self.crash_k + CRASH_LINES).contains(&tick.k) {
                    (Level::Error, Kind::Crash((tick.k - self.crash_k) as u8))
                } else if let Some(i) = self.startup_k.map(|s| tick.k - s).filter(|i| (0..STARTUP_LINES).contains(i)) {
                    (Level::Info, Kind::Startup(i as u8))
                } else if self.negocio_failing(ts) && u < 0.45 {
                    (Level::Error, Kind::Incident)
                } else if self.negocio_failing(ts) && u < 0.6 {
                    (Level::Warn, Kind::SlowDb)
                } else {
                    everyday(u)
                }
            }
            "ml_service" => {
                let f = (self.world.ml_slowdown(t) - 1.0) / 4.0;
                let timeout = 0.004 + 0.12 * f;
                if u < timeout {
                    (Level::Error, Kind::OcrTimeout)
                } else if f > 0.0 && u < timeout + 0.05 + 0.45 * f {
                    (Level::Warn, Kind::SlowRequest)
                } else {
                    everyday(u)
                }
            }
            _ => {
                if self.negocio_down(ts) && u < 0.3 {
                    (Level::Error, Kind::UpstreamDown)
                } else if self.negocio_failing(ts) && u < 0.15 {
                    (Level::Warn, Kind::Upstream5xx)
                } else {
                    everyday(u)
                }
            }
        };
        Some(Event { stream: stream_of(source, level), kind })
    }

    fn audit(&self, tick: Tick) -> Option<Kind> {
        let h = tick.hash();
        if self.world.frozen {
            return (tick.k % 8 == 0).then_some(Kind::Audit { event: 0, burst: false });
        }
        if self.negocio_down(tick.ts_ns) {
            return None;
        }
        let block = tick.ts_ns.div_euclid(AUDIT_BLOCK_NS);
        if mix(block as u64 ^ 0xA0D1).is_multiple_of(3) && tick.ts_ns - block * AUDIT_BLOCK_NS < AUDIT_BURST_NS {
            let failed = scenario::EVENT_TYPES.iter().position(|e| *e == "FAILED_AUTHENTICATION").unwrap_or(0);
            return Some(Kind::Audit { event: failed as u8, burst: true });
        }
        // A service account (the fiscal export) reads customer tax data every 2 minutes, so any
        // few minutes of the audit stream hold a sensitive read (the security dashboard's events panel
        // is never empty by chance of the draw).
        if tick.k % 60 == 30 {
            let read = scenario::EVENT_TYPES.iter().position(|e| *e == "SENSITIVE_DATA_READ").unwrap_or(0);
            return Some(Kind::Audit { event: read as u8, burst: false });
        }
        if unit(h) >= 0.1 {
            return None;
        }
        // Which event, weighted by the scenario's audit rates.
        let t = tick.ts_ns as f64 / 1e9;
        let rates: Vec<f64> = scenario::EVENT_TYPES.iter().map(|e| self.world.audit_rate(e, t)).collect();
        let mut x = unit(mix(h)) * rates.iter().sum::<f64>();
        for (i, r) in rates.iter().enumerate() {
            if x < *r {
                return Some(Kind::Audit { event: i as u8, burst: false });
            }
            x -= r;
        }
        Some(Kind::Audit { event: 0, burst: false })
    }
}

/// A healthy service's mix of lines, from the tick's uniform draw `u` (its low end is taken above).
fn everyday(u: f64) -> (Level, Kind) {
    if u > 0.996 {
        (Level::Error, Kind::Error)
    } else if u > 0.97 {
        (Level::Warn, Kind::Warn)
    } else if u > 0.963 {
        (Level::Info, Kind::Noisy)
    } else {
        (Level::Info, Kind::Request)
    }
}

#[cfg(test)]
#[path = "loki_logs_tests.rs"]
mod tests;
