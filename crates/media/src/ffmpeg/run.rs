//! Running `ffmpeg`/`ffprobe`: whether they are there, `nice` for ffmpeg, and a run's progress and cancel
//! ([`Control`]).

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio::process::Command;

use crate::MediaError;

/// `true` if both `ffmpeg` and `ffprobe` run (`-version`); checked once per process.
pub fn available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        ["ffmpeg", "ffprobe"].iter().all(|bin| {
            std::process::Command::new(bin)
                .arg("-version")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

pub(super) fn check_available() -> Result<(), MediaError> {
    if available() {
        Ok(())
    } else {
        Err(MediaError::Ffmpeg(
            "ffmpeg/ffprobe not found on PATH".into(),
        ))
    }
}

/// `true` if `nice` runs: transcodes then run at a lower CPU priority than serving.
fn nice_available() -> bool {
    static NICE: OnceLock<bool> = OnceLock::new();
    *NICE.get_or_init(|| {
        std::process::Command::new("nice")
            .arg("true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// Niceness of transcodes: screens and pages are served first when the CPU is busy.
pub const NICENESS: &str = "10";

/// Progress of a job's ffmpeg runs and its cancel switch, shared between the run and whoever watches it (the job
/// worker records [`Control::percent`] and sets [`Control::cancel`] when a person cancels the job).
///
/// Each run reports into the span of percents set by [`Control::step`], so a job of several runs climbs from 0
/// to 100 once.
#[derive(Debug, Default)]
pub struct Control {
    percent: AtomicU8,
    cancelled: AtomicBool,
    span: Mutex<(u8, u8)>,
}

impl Control {
    /// A control at 0 %, not cancelled, whose runs report into 0–100 %.
    pub fn new() -> Control {
        Control {
            span: Mutex::new((0, 100)),
            ..Control::default()
        }
    }

    /// The next runs report into `from`–`to` percent (and the progress is at least `from` now).
    pub fn step(&self, from: u8, to: u8) {
        if let Ok(mut s) = self.span.lock() {
            *s = (from.min(100), to.clamp(from.min(100), 100));
        }
        self.percent.fetch_max(from.min(100), Ordering::Relaxed);
    }

    /// Percent done so far.
    pub fn percent(&self) -> u8 {
        self.percent.load(Ordering::Relaxed)
    }

    /// Stops the running ffmpeg (it is killed) and every later run (they fail at once).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Was [`Control::cancel`] called?
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Records that `done_us` of `total_us` microseconds of the current run are written.
    pub(super) fn report(&self, done_us: u64, total_us: u64) {
        if total_us == 0 {
            return;
        }
        let (from, to) = self.span.lock().map(|s| *s).unwrap_or((0, 100));
        let frac = (done_us as f64 / total_us as f64).clamp(0.0, 1.0);
        let p = from as f64 + frac * (to.saturating_sub(from)) as f64;
        self.percent.fetch_max(p.floor() as u8, Ordering::Relaxed);
    }
}

/// The error of a run stopped by [`Control::cancel`].
pub const CANCELLED: &str = "cancelled";

/// `out_time_us` (or `out_time_ms`, which ffmpeg also writes in microseconds) of one `-progress` line.
pub fn progress_line_us(line: &str) -> Option<u64> {
    let (k, v) = line.trim().split_once('=')?;
    match k {
        "out_time_us" | "out_time_ms" => v.trim().parse::<i64>().ok().map(|n| n.max(0) as u64),
        _ => None,
    }
}

/// Runs ffmpeg with `-progress` under `ctl`: its progress (of `duration_ms` of output) goes to `ctl`, and a
/// cancel kills it. A non-zero exit becomes `Ffmpeg(last lines of stderr)`; a cancel is `Ffmpeg("cancelled")`.
pub(super) async fn run_ctl(
    args: &[&str],
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<(), MediaError> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    if ctl.is_cancelled() {
        return Err(MediaError::Ffmpeg(CANCELLED.into()));
    }
    let mut cmd = if nice_available() {
        let mut c = Command::new("nice");
        c.args(["-n", NICENESS, "ffmpeg"]);
        c
    } else {
        Command::new("ffmpeg")
    };
    let mut child = cmd
        .args(["-progress", "pipe:1", "-nostats"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| MediaError::Ffmpeg(format!("cannot run ffmpeg: {e}")))?;
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_task = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf).await;
        buf
    });
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let total_us = duration_ms.unwrap_or(0).saturating_mul(1000);
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
    loop {
        let cancelled = tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(l)) => {
                    if let Some(us) = progress_line_us(&l) {
                        ctl.report(us, total_us);
                    } else if l.trim() == "progress=end" {
                        // The last frame's time is one frame short of the duration: the run's span is done.
                        ctl.report(total_us, total_us);
                    }
                    false
                }
                _ => break,
            },
            _ = tick.tick() => ctl.is_cancelled(),
        };
        if cancelled {
            let _ = child.kill().await;
            return Err(MediaError::Ffmpeg(CANCELLED.into()));
        }
    }
    let status = loop {
        match tokio::time::timeout(std::time::Duration::from_millis(200), child.wait()).await {
            Ok(st) => break st?,
            Err(_) if ctl.is_cancelled() => {
                let _ = child.kill().await;
                return Err(MediaError::Ffmpeg(CANCELLED.into()));
            }
            Err(_) => {}
        }
    };
    let err = err_task.await.unwrap_or_default();
    if !status.success() {
        let err = String::from_utf8_lossy(&err);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(MediaError::Ffmpeg(format!(
            "ffmpeg exited with {status}: {}",
            tail.join(" | ")
        )));
    }
    Ok(())
}

/// Run a command, returning stdout; a non-zero exit becomes `Ffmpeg(last lines of stderr)`. `ffmpeg` runs under
/// `nice` when there is one.
pub(super) async fn run(bin: &str, args: &[&str]) -> Result<Vec<u8>, MediaError> {
    let mut cmd = if bin == "ffmpeg" && nice_available() {
        let mut c = Command::new("nice");
        c.args(["-n", NICENESS, bin]);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| MediaError::Ffmpeg(format!("cannot run {bin}: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(MediaError::Ffmpeg(format!(
            "{bin} exited with {}: {}",
            out.status,
            tail.join(" | ")
        )));
    }
    Ok(out.stdout)
}
