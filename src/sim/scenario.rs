//! The simulated Mini Market: every number is a deterministic function of time (plus the faults the
//! scenario or a restart set), so any range of history can be answered and every refresh moves.
//!
//! The scripted incident, relative to the demo's start t0: from t0+20 s the ML service's latency (HTTP
//! and OCR) climbs to about 5× over a minute, with OCR timeouts and errors; from t0+35 s
//! `agente_negocio`'s error ratio jumps to ~8 %; at t0+40 s `agente_negocio` goes down until restarted.
//! Independently, from t0+25 s the price model's drift score steps above its 0.15 alert threshold.
//!
//! Two operations change the world (the demo's deployer calls them): [`World::restart`] brings a downed
//! `agente_negocio` back, and [`World::rollback`] puts a service on an older release, which for
//! `agente_negocio` also ends the bad release's errors (and so the crash they lead to). Either way the
//! service is healed from then on: `up`, `/health`, the alerts and the logs all follow.

use std::sync::Mutex;

/// (job, instance, container name) of the simulated services, as the stack's prometheus.yml names them.
pub const SERVICES: &[(&str, &str, &str)] = &[
    ("agente_deposito", "deposito", "minimarket-agente-deposito-1"),
    ("agente_negocio", "negocio", "minimarket-agente-negocio-1"),
    ("ml_service", "ml_service", "minimarket-ml-service-1"),
    ("dashboard", "dashboard", "minimarket-dashboard-1"),
];

pub const CATEGORIES: &[&str] = &["Almacén", "Bebidas", "Lácteos", "Limpieza", "Perfumería", "Frescos"];
pub const EVENT_TYPES: &[&str] = &[
    "LOGIN",
    "SENSITIVE_DATA_READ",
    "FAILED_AUTHENTICATION",
    "ENCRYPTION_FAILURE",
    "PERMISSION_DENIED",
    "DATA_EXPORT",
];
pub const STATUSES: &[&str] = &["SUCCESS", "FAILURE", "DENIED"];
pub const MODELS: &[(&str, &str)] =
    &[("price_forecaster", "2.3.1"), ("ocr_tesseract", "5.3.0"), ("inflation_arima", "1.1.0")];
pub const USERS: usize = 12;

/// When the incident steps happen, in seconds after t0.
pub const ML_SLOW_AT: f64 = 20.0;
pub const ML_DRIFT_AT: f64 = 25.0;
pub const NEGOCIO_ERRORS_AT: f64 = 35.0;
pub const NEGOCIO_DOWN_AT: f64 = 40.0;

/// The releases every simulated service has had, oldest first; each runs the last one until rolled back.
pub const RELEASES: &[&str] = &["1.3.0", "1.4.1", "1.4.2"];

#[derive(Debug, Default)]
struct Faults {
    /// When `agente_negocio` was restarted or rolled back (healed), if it was.
    negocio_healed_at: Option<f64>,
    /// Services rolled back: job → index in [`RELEASES`] of the release they run now.
    releases: std::collections::BTreeMap<String, usize>,
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolledBack {
    /// The release it ran before.
    pub from: &'static str,
    /// The release it runs now.
    pub to: &'static str,
    /// Whether it ended a fault of the service (the bad release's errors, the crash).
    pub fixed: bool,
}

/// Why a rollback was refused; the text says it in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackRefused {
    /// No such release of the service.
    UnknownRelease(String),
    /// The release asked for is the running one or a newer one, or there is nothing older.
    NotOlder(String),
}

impl std::fmt::Display for RollbackRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RollbackRefused::UnknownRelease(m) | RollbackRefused::NotOlder(m) => f.write_str(m),
        }
    }
}

/// The simulated world.
#[derive(Debug)]
pub struct World {
    /// Scenario start, unix seconds.
    pub t0: f64,
    /// No waves, no noise, no incident: every rate and gauge constant (for measuring an idle screen).
    pub frozen: bool,
    /// The incident starts again every this many seconds (`CENTINELA_DEMO_LOOP`, for soak runs):
    /// the script's times count from the start of the current cycle, and a restart or rollback heals
    /// only the cycle it was made in.
    pub period: Option<f64>,
    faults: Mutex<Faults>,
}

/// Deterministic noise in [-1, 1] for series `id` at time `t` (changes every 5 s).
pub fn noise(id: u64, t: f64) -> f64 {
    let mut x =
        id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ((t / 5.0).floor() as i64 as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x % 20_001) as f64 / 10_000.0 - 1.0
}

fn daily(t: f64, phase: f64) -> f64 {
    (std::f64::consts::TAU * (t / 86_400.0 + phase)).sin()
}

fn hourly(t: f64, phase: f64) -> f64 {
    (std::f64::consts::TAU * (t / 3_600.0 + phase)).sin()
}

/// A stable small id per name, to decorrelate noise between series.
pub fn id(name: &str) -> u64 {
    name.bytes().fold(1469598103934665603u64, |h, b| (h ^ b as u64).wrapping_mul(1099511628211))
}

impl World {
    pub fn new(start_unix_ms: i64) -> World {
        World { t0: start_unix_ms as f64 / 1000.0, frozen: false, period: None, faults: Mutex::new(Faults::default()) }
    }

    /// A world whose incident repeats every `period` (at least two minutes, so each cycle plays the
    /// whole script: slowdown, errors, crash).
    pub fn looping(start_unix_ms: i64, period: std::time::Duration) -> World {
        World { period: Some(period.as_secs_f64().max(120.0)), ..World::new(start_unix_ms) }
    }

    /// The start of the incident cycle `t` falls in: `t0`, or in a looping world the latest
    /// `t0 + k × period` at or before `t`.
    pub fn t0_at(&self, t: f64) -> f64 {
        match self.period {
            Some(p) if t > self.t0 => self.t0 + ((t - self.t0) / p).floor() * p,
            _ => self.t0,
        }
    }

    /// Whether `agente_negocio` has been healed (restarted, rolled back) by `t` in `t`'s cycle.
    fn healed_by(&self, t: f64) -> bool {
        self.healed_at().is_some_and(|h| h <= t && self.t0_at(h) == self.t0_at(t))
    }

    /// A world whose values never change.
    pub fn frozen(start_unix_ms: i64) -> World {
        World { frozen: true, ..World::new(start_unix_ms) }
    }

    fn daily(&self, t: f64, phase: f64) -> f64 {
        if self.frozen {
            0.0
        } else {
            daily(t, phase)
        }
    }

    fn hourly(&self, t: f64, phase: f64) -> f64 {
        if self.frozen {
            0.0
        } else {
            hourly(t, phase)
        }
    }

    fn noise(&self, id: u64, t: f64) -> f64 {
        if self.frozen {
            0.0
        } else {
            noise(id, t)
        }
    }

    /// When `agente_negocio` was restarted (unix seconds), if it was: the logs replay its start-up from here.
    pub fn healed_at(&self) -> Option<f64> {
        self.faults.lock().map(|f| f.negocio_healed_at).unwrap_or(None)
    }

    /// Heal a downed service (a restart) at `now_ms` (which may be ahead: the service comes back up
    /// then). Returns whether it was down at that time.
    pub fn restart(&self, job: &str, now_ms: i64) -> bool {
        let now = now_ms as f64 / 1000.0;
        if !self.is_down(job, now) {
            return false;
        }
        if let Ok(mut f) = self.faults.lock() {
            f.negocio_healed_at = Some(now);
        }
        true
    }

    /// The release `job` runs.
    pub fn release(&self, job: &str) -> &'static str {
        let i = self.faults.lock().ok().and_then(|f| f.releases.get(job).copied());
        RELEASES[i.unwrap_or(RELEASES.len() - 1)]
    }

    /// Put `job` on release `to` (the one before the running one when `None`), effective at `at_ms`
    /// (which may be ahead, as for [`World::restart`]). Rolling `agente_negocio` back from the release
    /// the incident came with ends the incident: its errors stop, and it is up (again, or still).
    pub fn rollback(&self, job: &str, to: Option<&str>, at_ms: i64) -> Result<RolledBack, RollbackRefused> {
        let at = at_ms as f64 / 1000.0;
        let mut f = self.faults.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let current = f.releases.get(job).copied().unwrap_or(RELEASES.len() - 1);
        let target = match to {
            None if current == 0 => {
                let m =
                    format!("{job} runs {}, its oldest known release; there is nothing to roll back to", RELEASES[0]);
                return Err(RollbackRefused::NotOlder(m));
            }
            None => current - 1,
            Some(v) => match RELEASES.iter().position(|r| *r == v) {
                None => {
                    let m = format!("{job} has no release `{v}`; known releases: {}", RELEASES.join(", "));
                    return Err(RollbackRefused::UnknownRelease(m));
                }
                Some(i) if i >= current => {
                    let m = format!("{v} is not older than the running release {} of {job}", RELEASES[current]);
                    return Err(RollbackRefused::NotOlder(m));
                }
                Some(i) => i,
            },
        };
        f.releases.insert(job.to_string(), target);
        let in_incident = !self.frozen
            && job == "agente_negocio"
            && at >= self.t0_at(at) + NEGOCIO_ERRORS_AT
            && f.negocio_healed_at.is_none_or(|h| at < h || self.t0_at(h) != self.t0_at(at));
        if in_incident {
            f.negocio_healed_at = Some(at);
        }
        Ok(RolledBack { from: RELEASES[current], to: RELEASES[target], fixed: in_incident })
    }

    /// Whether `job` is down at `t`.
    pub fn is_down(&self, job: &str, t: f64) -> bool {
        !self.frozen && job == "agente_negocio" && t >= self.t0_at(t) + NEGOCIO_DOWN_AT && !self.healed_by(t)
    }

    fn in_incident(&self, t: f64, from: f64) -> bool {
        !self.frozen && t >= self.t0_at(t) + from && !self.healed_by(t)
    }

    pub fn up(&self, job: &str, t: f64) -> f64 {
        if self.is_down(job, t) {
            0.0
        } else {
            1.0
        }
    }

    /// The ML slowdown factor: 1 before t0+20 s, rising to 5 a minute later.
    pub fn ml_slowdown(&self, t: f64) -> f64 {
        if self.frozen {
            return 1.0;
        }
        1.0 + 4.0 * ((t - self.t0_at(t) - ML_SLOW_AT) / 60.0).clamp(0.0, 1.0)
    }

    /// Requests per second served by `job`.
    pub fn req_rate(&self, job: &str, t: f64) -> f64 {
        if self.is_down(job, t) {
            return 0.0;
        }
        let base = match job {
            "agente_deposito" => 18.0,
            "agente_negocio" => 11.0,
            "ml_service" => 6.0,
            _ => 32.0,
        };
        base * (1.0 + 0.35 * self.daily(t, 0.6) + 0.08 * self.hourly(t, 0.1)) * (1.0 + 0.05 * self.noise(id(job), t))
    }

    /// Fraction of requests that fail.
    pub fn err_ratio(&self, job: &str, t: f64) -> f64 {
        let base = 0.003 + 0.002 * (1.0 + self.noise(id(job) ^ 7, t)) / 2.0;
        if job == "agente_negocio" && self.in_incident(t, NEGOCIO_ERRORS_AT) {
            return 0.08;
        }
        if job == "ml_service" {
            return base * self.ml_slowdown(t);
        }
        base
    }

    /// Latency quantile `q` (0.5, 0.95, 0.99) of `job`'s requests, seconds.
    pub fn latency(&self, job: &str, q: f64, t: f64) -> f64 {
        let p95 = match job {
            "agente_deposito" => 0.085,
            "agente_negocio" => 0.120,
            "ml_service" => 0.210 * self.ml_slowdown(t),
            _ => 0.060,
        } * (1.0 + 0.15 * self.hourly(t, id(job) as f64 / 1e19) + 0.05 * self.noise(id(job) ^ 3, t));
        p95 * quantile_factor(q)
    }

    /// OCR processing time quantile, seconds.
    pub fn ocr_latency(&self, q: f64, t: f64) -> f64 {
        0.9 * self.ml_slowdown(t) * quantile_factor(q) * (1.0 + 0.1 * self.noise(91, t))
    }

    /// OCR timeouts per second.
    pub fn ocr_timeout_rate(&self, t: f64) -> f64 {
        (1.5 + 12.0 * (self.ml_slowdown(t) - 1.0)) / 3600.0
    }

    pub fn container_cpu_pct(&self, job: &str, t: f64) -> f64 {
        if self.is_down(job, t) {
            return 0.0;
        }
        let base = match job {
            "ml_service" => 38.0 * self.ml_slowdown(t).min(2.2),
            "agente_deposito" => 22.0,
            "agente_negocio" => 27.0,
            _ => 12.0,
        };
        base * (1.0 + 0.2 * self.daily(t, 0.55) + 0.06 * self.noise(id(job) ^ 11, t))
    }

    pub fn container_mem_pct(&self, job: &str, t: f64) -> f64 {
        if self.is_down(job, t) {
            return 0.0;
        }
        let base = match job {
            "ml_service" => 61.0 + 8.0 * (self.ml_slowdown(t) - 1.0),
            "agente_deposito" => 44.0,
            "agente_negocio" => 52.0,
            _ => 31.0,
        };
        base + 2.0 * self.hourly(t, 0.3) + 0.7 * self.noise(id(job) ^ 13, t)
    }

    /// Bytes/s: (disk read, disk write, net rx, net tx).
    pub fn container_io(&self, job: &str, t: f64) -> [f64; 4] {
        let r = self.req_rate(job, t);
        [r * 24_000.0, r * 41_000.0, r * 9_500.0, r * 38_000.0]
    }

    pub fn pg_connections(&self, t: f64) -> f64 {
        (34.0 + 12.0 * self.daily(t, 0.6) + 3.0 * self.noise(31, t)).round()
    }

    pub fn redis_hit_ratio(&self, t: f64) -> f64 {
        0.91 + 0.03 * self.hourly(t, 0.2) + 0.01 * self.noise(41, t)
    }

    pub fn productos_per_s(&self, t: f64) -> f64 {
        0.05 * (1.0 + 0.5 * self.daily(t, 0.6))
    }

    pub fn stock_critico(&self, t: f64) -> f64 {
        (5.0 + 2.0 * self.daily(t, 0.1) + self.noise(51, t)).round().max(0.0)
    }

    pub fn ordenes_per_s(&self, t: f64) -> f64 {
        0.012 * (1.0 + 0.6 * self.daily(t, 0.6))
    }

    pub fn revenue(&self, real: bool, t: f64) -> f64 {
        let proj = 4_200_000.0 + 600_000.0 * self.daily(t, 0.6);
        if real {
            proj * (0.96 + 0.03 * self.noise(61, t))
        } else {
            proj
        }
    }

    pub fn inflacion(&self, baseline: bool, t: f64) -> f64 {
        if baseline {
            2.9
        } else {
            3.1 + 0.4 * self.daily(t, 0.2) + 0.1 * self.noise(71, t)
        }
    }

    pub fn accuracy_pct(&self, t: f64) -> f64 {
        92.5 - 3.0 * (self.ml_slowdown(t) - 1.0) / 4.0 + 0.5 * self.noise(81, t)
    }

    pub fn drift(&self, t: f64) -> f64 {
        let step = if !self.frozen && t >= self.t0_at(t) + ML_DRIFT_AT { 0.11 } else { 0.0 };
        0.065 + step + 0.01 * self.daily(t, 0.4) + 0.004 * self.noise(82, t)
    }

    /// (predictions, cache hits, cache misses, ML errors, OCR errors) per second.
    pub fn ml_rates(&self, t: f64) -> [f64; 5] {
        let p = self.req_rate("ml_service", t) * 0.8;
        let slow = self.ml_slowdown(t);
        [p, p * 0.72, p * 0.28, 0.01 * slow * slow, 0.005 * slow * slow]
    }

    /// Audit events per second by type.
    pub fn audit_rate(&self, event_type: &str, t: f64) -> f64 {
        let base = match event_type {
            "LOGIN" => 0.9,
            "SENSITIVE_DATA_READ" => 0.12,
            "FAILED_AUTHENTICATION" => 0.004,
            "ENCRYPTION_FAILURE" => 0.0008,
            "PERMISSION_DENIED" => 0.002,
            _ => 0.05,
        };
        base * (1.0 + 0.4 * self.daily(t, 0.6)) * (1.0 + 0.1 * self.noise(id(event_type), t))
    }

    /// Cumulative audit events up to `t` (a day of history plus the time since).
    pub fn audit_total(&self, event_type: &str, t: f64) -> f64 {
        (self.audit_rate(event_type, self.t0) * (86_400.0 + (t - self.t0).max(0.0))).floor()
    }
}

/// Multiplier from P95 to other quantiles, for a right-skewed latency distribution.
pub fn quantile_factor(q: f64) -> f64 {
    if q <= 0.5 {
        0.45
    } else if q <= 0.9 {
        0.8
    } else if q <= 0.95 {
        1.0
    } else {
        1.7
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_incident_follows_the_script_and_a_restart_heals_it() {
        let w = World::new(1_700_000_000_000);
        let t0 = w.t0;
        assert_eq!(w.up("agente_negocio", t0 + 10.0), 1.0);
        assert_eq!(w.up("agente_negocio", t0 + 60.0), 0.0);
        assert_eq!(w.up("agente_deposito", t0 + 60.0), 1.0);
        assert!(w.latency("ml_service", 0.95, t0 + 90.0) > 4.0 * w.latency("ml_service", 0.95, t0) * 0.8);
        assert!(w.err_ratio("agente_negocio", t0 + 36.0) > 0.05);
        assert!(w.restart("agente_negocio", ((t0 + 70.0) * 1000.0) as i64));
        assert_eq!(w.up("agente_negocio", t0 + 71.0), 1.0);
        assert_eq!(w.up("agente_negocio", t0 + 65.0), 0.0, "history before the restart keeps the outage");
        assert!(!w.restart("agente_negocio", ((t0 + 80.0) * 1000.0) as i64), "already up");
    }

    #[test]
    fn a_looping_world_plays_the_incident_again_each_cycle() {
        let w = World::looping(1_700_000_000_000, std::time::Duration::from_secs(300));
        let t0 = w.t0;
        for cycle in 0..3 {
            let c = t0 + 300.0 * cycle as f64;
            assert_eq!(w.t0_at(c + 299.0), c);
            assert_eq!(w.up("agente_negocio", c + 10.0), 1.0, "cycle {cycle}: up before the crash");
            assert_eq!(w.up("agente_negocio", c + 60.0), 0.0, "cycle {cycle}: down after it");
            assert!(w.ml_slowdown(c + 10.0) < 1.01 && w.ml_slowdown(c + 100.0) > 4.9, "cycle {cycle}");
        }
        // A restart heals its own cycle only; the next one crashes again.
        assert!(w.restart("agente_negocio", ((t0 + 370.0) * 1000.0) as i64));
        assert_eq!(w.up("agente_negocio", t0 + 380.0), 1.0);
        assert_eq!(w.up("agente_negocio", t0 + 660.0), 0.0);
        assert_eq!(w.t0_at(t0 - 50.0), t0, "history before the start is quiet");
    }

    #[test]
    fn a_rollback_ends_the_errors_before_the_crash_and_walks_back_the_releases() {
        let w = World::new(1_700_000_000_000);
        let t0 = w.t0;
        let ms = |s: f64| ((t0 + s) * 1000.0) as i64;
        assert_eq!(w.release("agente_negocio"), "1.4.2");
        assert!(!w.restart("agente_negocio", ms(37.0)), "erroring but not down: a restart changes nothing");
        let r = w.rollback("agente_negocio", None, ms(37.0)).unwrap();
        assert_eq!(r, RolledBack { from: "1.4.2", to: "1.4.1", fixed: true });
        assert_eq!(w.release("agente_negocio"), "1.4.1");
        assert!(w.err_ratio("agente_negocio", t0 + 38.0) < 0.01);
        assert_eq!(w.up("agente_negocio", t0 + 60.0), 1.0, "the crash never comes");
        assert!(w.err_ratio("agente_negocio", t0 + 36.0) > 0.05, "history keeps the errors");

        let refused = w.rollback("agente_negocio", Some("1.4.2"), ms(50.0)).unwrap_err();
        assert!(refused.to_string().contains("not older than the running release 1.4.1"), "{refused}");
        assert!(matches!(w.rollback("agente_negocio", Some("0.9"), ms(50.0)), Err(RollbackRefused::UnknownRelease(_))));
        assert!(!w.rollback("agente_negocio", Some("1.3.0"), ms(50.0)).unwrap().fixed, "nothing left to fix");
        assert!(w.rollback("agente_negocio", None, ms(51.0)).unwrap_err().to_string().contains("oldest"));
        assert_eq!(w.release("ml_service"), "1.4.2", "one service at a time");
    }

    #[test]
    fn a_rollback_heals_a_downed_service_and_can_be_scheduled() {
        let w = World::new(1_700_000_000_000);
        let t0 = w.t0;
        let r = w.rollback("agente_negocio", None, ((t0 + 62.0) * 1000.0) as i64).unwrap();
        assert!(r.fixed);
        assert_eq!(w.up("agente_negocio", t0 + 61.0), 0.0, "down until the new release has started");
        assert_eq!(w.up("agente_negocio", t0 + 62.5), 1.0);
        assert!(!w.rollback("ml_service", None, ((t0 + 62.0) * 1000.0) as i64).unwrap().fixed);
    }

    #[test]
    fn noise_is_bounded_and_deterministic() {
        for i in 0..1000 {
            let n = noise(i, i as f64 * 3.7);
            assert!((-1.0..=1.0).contains(&n));
            assert_eq!(n, noise(i, i as f64 * 3.7));
        }
    }
}
