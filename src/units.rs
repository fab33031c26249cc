//! Value formatting by unit (Grafana's unit names, so imported dashboards keep their meaning).

use serde::{Deserialize, Serialize};

/// A display unit for panel values. Names follow Grafana's `fieldConfig.defaults.unit` ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Unit {
    /// Plain number with SI-style suffixes (K, M, B, T).
    #[default]
    #[serde(rename = "short", alias = "none", alias = "")]
    Short,
    /// The value is already a percentage (0–100).
    #[serde(rename = "percent")]
    Percent,
    /// The value is a ratio (0.0–1.0) shown as a percentage.
    #[serde(rename = "percentunit")]
    PercentUnit,
    /// Seconds, scaled to ms / s / min / h / d.
    #[serde(rename = "s")]
    Seconds,
    /// Milliseconds, scaled up to s / min / h.
    #[serde(rename = "ms")]
    Millis,
    /// Bytes, IEC (KiB, MiB, …).
    #[serde(rename = "bytes", alias = "decbytes")]
    Bytes,
    /// Bytes per second, IEC.
    #[serde(rename = "Bps", alias = "binBps")]
    BytesPerSec,
    /// Requests per second.
    #[serde(rename = "reqps")]
    ReqPerSec,
    /// Argentine pesos.
    #[serde(rename = "currencyARS")]
    CurrencyArs,
}

impl Unit {
    /// Every unit name accepted in configs, for error hints.
    pub const NAMES: &'static [&'static str] =
        &["short", "none", "percent", "percentunit", "s", "ms", "bytes", "Bps", "reqps", "currencyARS"];
}

fn special(v: f64) -> Option<String> {
    if v.is_nan() {
        Some("NaN".into())
    } else if v.is_infinite() {
        Some(if v > 0.0 { "+Inf".into() } else { "-Inf".into() })
    } else {
        None
    }
}

/// Format with `decimals` digits after the point, or about three significant digits when `None`.
fn num(v: f64, decimals: Option<u8>) -> String {
    let d = match decimals {
        Some(d) => d as usize,
        None => {
            let a = v.abs();
            if a == 0.0 || a >= 100.0 {
                0
            } else if a >= 10.0 {
                1
            } else if a >= 1.0 {
                2
            } else if a >= 0.01 {
                3
            } else {
                4
            }
        }
    };
    let s = format!("{v:.d$}");
    if decimals.is_none() && s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".into()
        } else {
            t.to_string()
        }
    } else {
        s
    }
}

/// Scale by a ladder of (factor, suffix), picking the largest step the value reaches.
fn scaled(v: f64, decimals: Option<u8>, base: f64, suffixes: &[&str], sep: &str) -> String {
    let mut x = v;
    let mut i = 0;
    while x.abs() >= base && i + 1 < suffixes.len() {
        x /= base;
        i += 1;
    }
    let suffix = suffixes[i];
    if suffix.is_empty() {
        num(x, decimals)
    } else {
        format!("{}{sep}{suffix}", num(x, decimals))
    }
}

fn duration(secs: f64, decimals: Option<u8>, zero: &str) -> String {
    let a = secs.abs();
    if a == 0.0 {
        zero.into()
    } else if a < 1e-3 {
        format!("{} µs", num(secs * 1e6, decimals))
    } else if a < 1.0 {
        format!("{} ms", num(secs * 1e3, decimals))
    } else if a < 60.0 {
        format!("{} s", num(secs, decimals))
    } else if a < 3600.0 {
        format!("{} min", num(secs / 60.0, decimals))
    } else if a < 86400.0 {
        format!("{} h", num(secs / 3600.0, decimals))
    } else {
        format!("{} d", num(secs / 86400.0, decimals))
    }
}

/// Format `v` for display in `unit`. `decimals` forces digits after the point.
pub fn format(v: f64, unit: Unit, decimals: Option<u8>) -> String {
    if let Some(s) = special(v) {
        return s;
    }
    const SHORT: &[&str] = &["", "K", "M", "B", "T"];
    const IEC: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    match unit {
        Unit::Short => scaled(v, decimals, 1000.0, SHORT, " "),
        Unit::Percent => format!("{}%", num(v, decimals)),
        Unit::PercentUnit => format!("{}%", num(v * 100.0, decimals)),
        Unit::Seconds => duration(v, decimals, "0 s"),
        Unit::Millis => duration(v / 1000.0, decimals, "0 ms"),
        Unit::Bytes => scaled(v, decimals, 1024.0, IEC, " "),
        Unit::BytesPerSec => format!("{}/s", scaled(v, decimals, 1024.0, IEC, " ")),
        Unit::ReqPerSec => format!("{} req/s", scaled(v, decimals, 1000.0, SHORT, " ")),
        Unit::CurrencyArs => format!("ARS {}", scaled(v, decimals, 1000.0, SHORT, " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_scales_with_si_suffixes() {
        assert_eq!(format(0.0, Unit::Short, None), "0");
        assert_eq!(format(12.0, Unit::Short, None), "12");
        assert_eq!(format(1234.0, Unit::Short, None), "1.23 K");
        assert_eq!(format(2_500_000.0, Unit::Short, None), "2.5 M");
        assert_eq!(format(0.0421, Unit::Short, None), "0.042");
    }

    #[test]
    fn percents() {
        assert_eq!(format(12.345, Unit::Percent, None), "12.3%");
        assert_eq!(format(0.12345, Unit::PercentUnit, None), "12.3%");
        assert_eq!(format(99.95, Unit::Percent, Some(2)), "99.95%");
    }

    #[test]
    fn durations_pick_a_readable_scale() {
        assert_eq!(format(0.25, Unit::Seconds, None), "250 ms");
        assert_eq!(format(125.0, Unit::Millis, None), "125 ms");
        assert_eq!(format(1500.0, Unit::Millis, None), "1.5 s");
        assert_eq!(format(90.0, Unit::Seconds, None), "1.5 min");
        assert_eq!(format(7200.0, Unit::Seconds, None), "2 h");
        assert_eq!(format(0.0, Unit::Millis, None), "0 ms");
        assert_eq!(format(0.0, Unit::Seconds, None), "0 s");
    }

    #[test]
    fn bytes_are_iec() {
        assert_eq!(format(512.0, Unit::Bytes, None), "512 B");
        assert_eq!(format(1536.0, Unit::Bytes, None), "1.5 KiB");
        assert_eq!(format(3.0 * 1024.0 * 1024.0, Unit::BytesPerSec, None), "3 MiB/s");
    }

    #[test]
    fn rates_and_money() {
        assert_eq!(format(42.0, Unit::ReqPerSec, None), "42 req/s");
        assert_eq!(format(1_250_000.0, Unit::CurrencyArs, None), "ARS 1.25 M");
    }

    #[test]
    fn special_values_are_named() {
        assert_eq!(format(f64::NAN, Unit::Percent, None), "NaN");
        assert_eq!(format(f64::INFINITY, Unit::Short, None), "+Inf");
        assert_eq!(format(f64::NEG_INFINITY, Unit::Bytes, None), "-Inf");
    }
}
