//! Text sparklines (`▁▂▃▄▅▆▇█`) of a series over a time window, for documents that cannot hold a
//! chart: one character per equal slice of the window, a space where the series had no value.

use crate::units::{self, Unit};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// How values map onto the bars: the lowest and highest value drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Drawn as `▁`.
    pub lo: f64,
    /// Drawn as `█`.
    pub hi: f64,
}

impl Scale {
    /// The finite values' range, widened to the panel's configured `min`/`max` when it has them (a
    /// percentage panel set to 0–100 then draws 99 % near the top, not as a cliff). `None` when the
    /// series has no finite value.
    /// Give every series of a panel to one scale, as a chart shares its axis.
    pub fn of<'a>(
        points: impl IntoIterator<Item = &'a (f64, f64)>,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Option<Scale> {
        let finite = points.into_iter().map(|p| p.1).filter(|v| v.is_finite());
        let (lo, hi) = finite.fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
        let lo = min.filter(|m| m.is_finite()).map_or(lo, |m| m.min(lo));
        let hi = max.filter(|m| m.is_finite()).map_or(hi, |m| m.max(hi));
        Some(Scale { lo, hi })
    }

    fn bar(&self, v: f64) -> char {
        if self.hi <= self.lo {
            return BARS[3];
        }
        let x = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        BARS[((x * 7.0).round() as usize).min(7)]
    }
}

/// The sparkline of `points` (unix seconds, value) over `[start, end]`, `width` characters: the first
/// character is at `start`, the last at `end`, evenly spaced (so a range query from `start` to `end`
/// with `width` points puts one point under each); each is the mean of the finite values nearest to
/// it, a space when there are none.
pub fn render(points: &[(f64, f64)], start: f64, end: f64, width: usize, scale: Scale) -> String {
    let width = width.max(1);
    let span = (end - start).max(1e-9);
    let mut sums = vec![(0.0f64, 0u32); width];
    for &(t, v) in points {
        if !v.is_finite() || t < start || t > end {
            continue;
        }
        let i = (((t - start) / span) * (width - 1) as f64).round() as usize;
        let slot = &mut sums[i.min(width - 1)];
        slot.0 += v;
        slot.1 += 1;
    }
    sums.iter().map(|&(sum, n)| if n == 0 { ' ' } else { scale.bar(sum / n as f64) }).collect()
}

/// `min 0  max 1  last 1`, in the panel's unit; `None` when the series has no finite value.
pub fn stats(points: &[(f64, f64)], unit: Unit, decimals: Option<u8>) -> Option<String> {
    let finite: Vec<f64> = points.iter().map(|p| p.1).filter(|v| v.is_finite()).collect();
    let last = *finite.last()?;
    let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let f = |v| units::format(v, unit, decimals);
    Some(format!("min {}  max {}  last {}", f(min), f(max), f(last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(vals: &[f64]) -> Vec<(f64, f64)> {
        vals.iter().enumerate().map(|(i, v)| (i as f64 * 10.0, *v)).collect()
    }

    #[test]
    fn a_ramp_uses_every_bar() {
        let p = pts(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        let s = Scale::of(&p, None, None).unwrap();
        assert_eq!(render(&p, 0.0, 70.0, 8, s), "▁▂▃▄▅▆▇█");
    }

    #[test]
    fn an_outage_shows_as_a_dip_and_a_gap_as_a_space() {
        // up: 1, 1, 0, 0, (no sample), 1
        let p = vec![(0.0, 1.0), (10.0, 1.0), (20.0, 0.0), (30.0, 0.0), (50.0, 1.0)];
        let s = Scale::of(&p, None, None).unwrap();
        assert_eq!(render(&p, 0.0, 50.0, 6, s), "██▁▁ █");
    }

    #[test]
    fn slices_average_and_nan_is_skipped() {
        let p = vec![(0.0, 0.0), (1.0, 8.0), (10.0, f64::NAN), (11.0, 8.0)];
        let s = Scale { lo: 0.0, hi: 8.0 };
        assert_eq!(render(&p, 0.0, 11.0, 2, s), "▅█", "the mean 4 of the first is a bit over half");
        assert_eq!(Scale::of(&[(0.0, f64::NAN)], None, None), None);
    }

    #[test]
    fn a_flat_series_sits_in_the_middle_and_panel_bounds_widen_the_scale() {
        let p = pts(&[5.0, 5.0, 5.0]);
        assert_eq!(render(&p, 0.0, 20.0, 3, Scale::of(&p, None, None).unwrap()), "▄▄▄");
        let pct = pts(&[99.0, 99.5, 100.0]);
        let s = Scale::of(&pct, Some(0.0), Some(100.0)).unwrap();
        assert_eq!(s, Scale { lo: 0.0, hi: 100.0 });
        assert_eq!(render(&pct, 0.0, 20.0, 3, s), "███");
    }

    #[test]
    fn points_outside_the_window_are_left_out_and_width_is_kept() {
        let p = vec![(-5.0, 100.0), (5.0, 1.0), (25.0, 2.0)];
        let s = Scale::of(&p[1..], None, None).unwrap();
        let line = render(&p, 0.0, 20.0, 5, s);
        assert_eq!(line.chars().count(), 5);
        assert_eq!(line, " ▁   ", "5 s is the second of 0, 5, 10, 15, 20 s");
    }

    #[test]
    fn one_point_per_step_fills_every_character() {
        let p: Vec<(f64, f64)> = (0..60).map(|i| (1000.0 + i as f64 * 20.0, (i % 8) as f64)).collect();
        let line = render(&p, 1000.0, 1000.0 + 59.0 * 20.0, 60, Scale::of(&p, None, None).unwrap());
        assert!(!line.contains(' '), "{line}");
    }

    #[test]
    fn stats_use_the_panel_unit() {
        let p = pts(&[120.0, 480.0, 250.0]);
        assert_eq!(stats(&p, Unit::Millis, None).unwrap(), "min 120 ms  max 480 ms  last 250 ms");
        assert_eq!(stats(&pts(&[0.0, 1.0]), Unit::Short, None).unwrap(), "min 0  max 1  last 1");
        assert_eq!(stats(&[], Unit::Short, None), None);
    }
}
