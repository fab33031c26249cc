//! The terminal: raw mode and the alternate screen, restored on every way out (normal quit, error,
//! panic, SIGTERM/SIGHUP via the event loop). A panic prints where the log file is.

use crossterm::{cursor, execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Put the terminal back as it was. Safe to call more than once and from a panic hook.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
    }
}

/// Restore the terminal before the default panic message, and say where the log is.
pub fn install_panic_hook(log_file: PathBuf) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        default(info);
        eprintln!("centinela crashed; the terminal has been restored. Details are in {}", log_file.display());
        tracing::error!(%info, "panic");
    }));
}

/// A writer that counts the bytes written through it (the terminal's bytes/s in the status line).
pub struct Counting<W> {
    inner: W,
    written: Arc<AtomicU64>,
}

impl<W> Counting<W> {
    pub fn new(inner: W) -> Counting<W> {
        Counting { inner, written: Arc::new(AtomicU64::new(0)) }
    }

    /// The running total, shared: it goes on counting after the writer is moved into a backend.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Bytes per second from the running total, sampled only when a frame is drawn anyway: the rate is
/// the bytes written over the last [`Meter::WINDOW`] (at least over the time since the sample
/// before), so an idle screen that draws once a minute shows its true, small average.
#[derive(Debug, Default)]
pub struct Meter {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl Meter {
    pub const WINDOW: Duration = Duration::from_secs(30);

    /// Note the total `bytes` at `now`; the rate since the oldest sample kept, once there are two.
    pub fn sample(&mut self, now: Instant, bytes: u64) -> Option<u64> {
        while self.samples.len() > 1 && self.samples.get(1).is_some_and(|(t, _)| now.duration_since(*t) >= Self::WINDOW)
        {
            self.samples.pop_front();
        }
        self.samples.push_back((now, bytes));
        let (t0, b0) = *self.samples.front()?;
        let secs = now.duration_since(t0).as_secs_f64();
        (secs >= 0.5).then(|| (bytes.saturating_sub(b0) as f64 / secs).round() as u64)
    }
}

pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Counting<Stdout>>>,
    /// Every byte written to the terminal so far.
    pub written: Arc<AtomicU64>,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let mut out = io::stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e);
        }
        let out = Counting::new(out);
        let written = out.counter();
        let terminal = Terminal::new(CrosstermBackend::new(out)).inspect_err(|_| restore())?;
        Ok(TerminalGuard { terminal, written })
    }
}

impl TerminalGuard {
    /// Hand the terminal to another program: the normal screen, cooked mode, the cursor shown.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        Ok(())
    }

    /// Take the terminal back after [`Self::suspend`]; the next draw repaints everything.
    pub fn resume(&mut self) -> io::Result<()> {
        terminal::enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        self.terminal.clear()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counting_writer_counts_what_it_passes_on() {
        let mut w = Counting::new(Vec::new());
        let total = w.counter();
        w.write_all(b"\x1b[31mhello").unwrap();
        assert_eq!(total.load(Ordering::Relaxed), 10);
        assert_eq!(w.inner, b"\x1b[31mhello");
    }

    #[test]
    fn the_meter_averages_over_its_window() {
        let mut m = Meter::default();
        let t = Instant::now();
        let at = |s: u64| t + Duration::from_secs(s);
        assert_eq!(m.sample(at(0), 0), None, "one sample is no rate");
        assert_eq!(m.sample(at(10), 1_000), Some(100));
        assert_eq!(m.sample(at(20), 1_000), Some(50), "averaged since the first sample");
        // An idle minute: the rate covers the whole gap, not a window that holds no sample.
        assert_eq!(m.sample(at(80), 1_600), Some(10));
        assert_eq!(m.sample(at(85), 2_100), Some(17), "the window reaches back to the last sample before it");
    }
}
