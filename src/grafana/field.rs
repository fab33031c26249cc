//! A panel's value display: `fieldConfig.defaults` (unit, decimals, min, max, thresholds, value
//! mappings), and the same from the old `graph` / `singlestat` fields (`format`, `yaxes`, `valueMaps`,
//! `thresholds: "50,80"` with `colors`).

use super::value::{list, num, num_of, str_of, text};
use super::Ctx;
use crate::theme::Role;
use crate::thresholds::{Step, Thresholds};
use crate::units::Unit;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct Field {
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub thresholds: Option<Thresholds>,
    pub mappings: BTreeMap<String, String>,
}

pub fn convert(p: &Value, title: &str, ctx: &mut Ctx) -> Field {
    let d = p.get("fieldConfig").and_then(|f| f.get("defaults")).unwrap_or(&Value::Null);
    let axis = list(p, "yaxes").first().unwrap_or(&Value::Null);
    let mut f = Field::default();
    let unit_id = str_of(d, "unit").or_else(|| str_of(p, "format")).or_else(|| str_of(axis, "format"));
    if let Some(id) = unit_id {
        f.unit = unit(id, title, ctx);
    }
    let decimals = d.get("decimals").or_else(|| p.get("decimals")).or_else(|| axis.get("decimals"));
    f.decimals = decimals.and_then(num).filter(|n| *n >= 0.0).map(|n| n.min(20.0) as u8);
    f.min = d.get("min").and_then(num).or_else(|| axis.get("min").and_then(num));
    f.max = d.get("max").and_then(num).or_else(|| axis.get("max").and_then(num));
    if let Some(t) = d.get("thresholds").filter(|t| t.is_object()) {
        f.thresholds = thresholds(t, f.min, f.max, title, ctx);
    } else if let Some(s) = str_of(p, "thresholds") {
        f.thresholds = old_thresholds(s, list(p, "colors"), title, ctx);
    } else if let Some(list) = p.get("thresholds").and_then(Value::as_array).filter(|l| !l.is_empty()) {
        f.thresholds = graph_thresholds(list, title, ctx);
    }
    mappings(list(d, "mappings"), &mut f.mappings, title, ctx);
    mappings(list(p, "mappings"), &mut f.mappings, title, ctx);
    for m in list(p, "valueMaps") {
        if let (Some(v), Some(t)) = (m.get("value").and_then(text), str_of(m, "text")) {
            f.mappings.insert(v, t.to_string());
        }
    }
    f
}

/// A Grafana unit id as a [`Unit`]; one without an equivalent becomes the closest, with a note.
pub fn unit(id: &str, title: &str, ctx: &mut Ctx) -> Unit {
    if let Ok(u) = serde_json::from_value::<Unit>(Value::String(id.to_string())) {
        return u;
    }
    let (u, why) = match id {
        "decBps" => (Unit::BytesPerSec, "shown in IEC units (KiB/s) rather than decimal (kB/s)"),
        "dtdurations" | "dtdhms" | "clocks" => (Unit::Seconds, "shown as a duration in seconds (s, min, h, d)"),
        "dtdurationms" | "clockms" => (Unit::Millis, "shown as a duration (ms, s, min, h)"),
        "rps" | "wps" | "ops" | "iops" | "opm" | "rpm" | "wpm" | "reqpm" => {
            (Unit::Short, "shown as a plain number (no per-second suffix)")
        }
        _ => (Unit::Short, "has no equivalent; shown as a plain number"),
    };
    ctx.note(title, format!("unit `{id}` {why}"));
    u
}

/// A Grafana colour name (`green`, `dark-red`, `semi-dark-yellow`, `#F2495C`, `rgba(…)`) as a role.
pub fn role(color: &str) -> Option<Role> {
    let c = color.trim().to_lowercase();
    let named = c.rsplit('-').next().unwrap_or(&c);
    match named {
        "green" => return Some(Role::Ok),
        "red" => return Some(Role::Critical),
        "yellow" | "orange" => return Some(Role::Warn),
        "blue" | "purple" => return Some(Role::Info),
        "text" | "transparent" => return Some(Role::Text),
        _ => {}
    }
    let (r, g, b) = rgb(&c)?;
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    if max - min < 30 {
        return Some(Role::Muted);
    }
    Some(if r == max && g > 100 {
        Role::Warn
    } else if r == max {
        Role::Critical
    } else if g == max {
        Role::Ok
    } else {
        Role::Info
    })
}

fn rgb(c: &str) -> Option<(u8, u8, u8)> {
    if let Some(hex) = c.strip_prefix('#') {
        let h = |i: usize| hex.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
        return Some((h(0)?, h(2)?, h(4)?));
    }
    let inner = c.strip_prefix("rgba(").or_else(|| c.strip_prefix("rgb("))?.trim_end_matches(')');
    let mut parts = inner.split(',').map(|p| p.trim().parse::<f64>().ok().map(|v| v.clamp(0.0, 255.0) as u8));
    Some((parts.next()??, parts.next()??, parts.next()??))
}

fn color_role(color: Option<&str>, title: &str, ctx: &mut Ctx) -> Role {
    match color.and_then(role) {
        Some(r) => r,
        None => {
            ctx.note(
                title,
                format!("threshold colour `{}` is not one centinela knows; shown as text", color.unwrap_or("")),
            );
            Role::Text
        }
    }
}

fn thresholds(t: &Value, min: Option<f64>, max: Option<f64>, title: &str, ctx: &mut Ctx) -> Option<Thresholds> {
    let percent = str_of(t, "mode") == Some("percentage");
    let (lo, hi) = (min.unwrap_or(0.0), max.unwrap_or(100.0));
    if percent {
        ctx.note(title, format!("percentage thresholds taken as fractions of {lo}–{hi} (min–max)"));
    }
    let mut out = Thresholds { base: Role::Text, steps: Vec::new() };
    for (i, s) in list(t, "steps").iter().enumerate() {
        let role = color_role(str_of(s, "color"), title, ctx);
        match num_of(s, "value") {
            Some(v) if i > 0 => {
                let at = if percent { lo + (hi - lo) * v / 100.0 } else { v };
                out.steps.push(Step { at, role });
            }
            _ => out.base = role,
        }
    }
    let plain = out.steps.is_empty() && matches!(out.base, Role::Ok | Role::Text);
    (!plain).then_some(out)
}

/// singlestat's `thresholds: "50,80"` with `colors: [below, between, above]`.
fn old_thresholds(s: &str, colors: &[Value], title: &str, ctx: &mut Ctx) -> Option<Thresholds> {
    let at: Vec<f64> = s.split(',').filter_map(|x| x.trim().parse::<f64>().ok()).filter(|v| v.is_finite()).collect();
    if at.is_empty() {
        return None;
    }
    let mut role = |i: usize, default: Role| match colors.get(i).and_then(Value::as_str) {
        Some(c) => color_role(Some(c), title, ctx),
        None => default,
    };
    let base = role(0, Role::Ok);
    let defaults = [Role::Warn, Role::Critical];
    let steps = at.iter().enumerate().map(|(i, &v)| Step { at: v, role: role(i + 1, defaults[i.min(1)]) }).collect();
    Some(Thresholds { base, steps })
}

/// graph's `thresholds: [{value, colorMode: "critical" | "warning" | "ok", op: "gt"}]`.
fn graph_thresholds(list: &[Value], title: &str, ctx: &mut Ctx) -> Option<Thresholds> {
    let mut out = Thresholds { base: Role::Ok, steps: Vec::new() };
    for t in list {
        let Some(at) = num_of(t, "value") else { continue };
        let role = match str_of(t, "colorMode") {
            Some("critical") => Role::Critical,
            Some("warning") => Role::Warn,
            Some("ok") => Role::Ok,
            _ => Role::Info,
        };
        if str_of(t, "op") == Some("lt") {
            ctx.note(title, format!("threshold `below {at}` taken as `at or above {at}`"));
        }
        out.steps.push(Step { at, role });
    }
    (!out.steps.is_empty()).then_some(out)
}

/// Value mappings: `value` ones are kept; `range`, `special` and `regex` ones are approximated or
/// left out, with a note each. Both the current (`type: "value"`) and the old (`type: 1`) shapes.
fn mappings(list: &[Value], out: &mut BTreeMap<String, String>, title: &str, ctx: &mut Ctx) {
    for m in list {
        match m.get("type") {
            Some(Value::String(t)) if t == "value" => {
                if let Some(opts) = m.get("options").and_then(Value::as_object) {
                    for (k, v) in opts {
                        if let Some(t) = str_of(v, "text").filter(|t| !t.is_empty()) {
                            out.insert(k.clone(), t.to_string());
                        }
                    }
                }
            }
            Some(Value::String(t)) if t == "range" => {
                let o = m.get("options").unwrap_or(&Value::Null);
                let (from, to) = (num_of(o, "from"), num_of(o, "to"));
                let shown = result_text(o).unwrap_or("");
                range(from, to, shown, out, title, ctx);
            }
            Some(Value::String(t)) if t == "special" => {
                let o = m.get("options").unwrap_or(&Value::Null);
                let shown = result_text(o).unwrap_or("").to_string();
                match str_of(o, "match") {
                    Some("nan") if !shown.is_empty() => {
                        out.insert("NaN".into(), shown);
                    }
                    Some("true") if !shown.is_empty() => {
                        out.insert("1".into(), shown.clone());
                        ctx.note(title, format!("mapping `true → {shown}` taken as `1 → {shown}`"));
                    }
                    Some("false") if !shown.is_empty() => {
                        out.insert("0".into(), shown.clone());
                        ctx.note(title, format!("mapping `false → {shown}` taken as `0 → {shown}`"));
                    }
                    other => ctx.note(
                        title,
                        format!(
                            "special mapping `{} → {shown}` left out (panels with no value say so)",
                            other.unwrap_or("?")
                        ),
                    ),
                }
            }
            // The old shape: {type: 1, value: "1", text: "UP"} or {type: 2, from, to, text}.
            Some(Value::Number(n)) if n.as_f64() == Some(1.0) => {
                if let (Some(v), Some(t)) = (m.get("value").and_then(text), str_of(m, "text")) {
                    out.insert(v, t.to_string());
                }
            }
            Some(Value::Number(n)) if n.as_f64() == Some(2.0) => {
                range(num_of(m, "from"), num_of(m, "to"), str_of(m, "text").unwrap_or(""), out, title, ctx);
            }
            other => {
                let t = other.and_then(text).unwrap_or_else(|| "?".into());
                ctx.note(title, format!("value mapping of type `{t}` left out (centinela maps single values only)"));
            }
        }
    }
}

fn range(
    from: Option<f64>,
    to: Option<f64>,
    shown: &str,
    out: &mut BTreeMap<String, String>,
    title: &str,
    ctx: &mut Ctx,
) {
    let f = |v: Option<f64>| v.map_or("…".to_string(), |v| v.to_string());
    match (from, to) {
        (Some(a), Some(b)) if a == b && a.fract() == 0.0 && !shown.is_empty() => {
            out.insert(format!("{a}"), shown.to_string());
        }
        _ => ctx.note(
            title,
            format!("range mapping `{}–{} → {shown}` left out (centinela maps single values only)", f(from), f(to)),
        ),
    }
}

fn result_text(o: &Value) -> Option<&str> {
    str_of(o, "result").or_else(|| o.get("result").and_then(|r| str_of(r, "text")))
}

#[cfg(test)]
mod tests {
    use super::role;
    use crate::theme::Role;

    #[test]
    fn grafana_colours_become_roles() {
        assert_eq!(role("green"), Some(Role::Ok));
        assert_eq!(role("dark-red"), Some(Role::Critical));
        assert_eq!(role("semi-dark-orange"), Some(Role::Warn));
        assert_eq!(role("light-blue"), Some(Role::Info));
        assert_eq!(role("#F2495C"), Some(Role::Critical));
        assert_eq!(role("#FADE2A"), Some(Role::Warn));
        assert_eq!(role("#73BF69"), Some(Role::Ok));
        assert_eq!(role("rgba(50, 116, 217, 0.8)"), Some(Role::Info));
        assert_eq!(role("#808080"), Some(Role::Muted));
        assert_eq!(role("#12"), None);
        assert_eq!(role("chartreuse"), None);
    }
}
