//! The media job worker: takes jobs from the persisted queue (so they survive restarts), highest priority first,
//! runs ffmpeg (under `nice`), stores the derived files, and records failures so the store retries them with
//! backoff. A video's work is two jobs: `transcode` (thumbnail, poster, the screen rendition — what screens wait
//! for) and then `portal` (the loudness-normalised sound, the HLS ladder, the storyboard), queued below every
//! person's screen rendition, so a fresh upload's never waits behind a backlog of portal ladders (the priorities
//! are `twincast_store::jobs::priority`). A video with caption tracks has a third, `captions`, which burns each
//! track into a screen rendition of its own (queued when a track is attached and when the screen rendition is
//! made; it makes what is missing, so running it twice costs nothing). A running job
//! records its progress in percent and stops when a person cancels it; a failed or cancelled job can be retried.

use crate::access::Actor;
use crate::audit::Audited;
use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::App;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use twincast_media::ffmpeg::Control;
use twincast_store::jobs::priority;
use twincast_store::{Job, JobStatus, Media, Role};

/// Kind of the job that makes a medium's thumbnail, poster and screen rendition.
pub const TRANSCODE: &str = "transcode";
/// Kind of the job that makes a video's portal renditions (sound, HLS ladder, storyboard).
pub const PORTAL: &str = "portal";
/// Kind of the job that burns a video's caption tracks into screen renditions.
pub const CAPTIONS: &str = "captions";

/// Runs queued media jobs, one at a time (start several for parallelism).
#[derive(Debug)]
pub struct MediaJobs {
    app: App,
}

impl MediaJobs {
    /// A worker over `app`'s queue.
    pub fn new(app: App) -> MediaJobs {
        MediaJobs { app }
    }
}

impl Worker for MediaJobs {
    fn name(&self) -> String {
        "media-jobs".into()
    }

    async fn work(&mut self) -> WorkerState {
        match self.app.store.claim_job(&self.app.node_id).await {
            Ok(Some(job)) => {
                let id = job.id.clone();
                let outcome = match run_job(&self.app, &job).await {
                    Ok(()) => self.app.store.complete_job(&id).await.map(|_| ()),
                    Err(e) => {
                        tracing::warn!(job = %id, error = %e, "media job failed");
                        self.app
                            .store
                            .fail_job(&id, &e.to_string())
                            .await
                            .map(|_| ())
                    }
                };
                if let Err(e) = outcome {
                    tracing::error!(job = %id, error = %e, "cannot record job outcome");
                }
                WorkerState::Busy
            }
            Ok(None) => WorkerState::Idle,
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                WorkerState::Idle
            }
        }
    }

    async fn wait_for_work(&mut self) {
        tokio::select! {
            _ = self.app.jobs_notify.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

async fn run_job(app: &App, job: &Job) -> AppResult<()> {
    let media_id = || {
        job.media_id
            .as_deref()
            .ok_or_else(|| AppError::internal("media job without media"))
    };
    match job.kind.as_str() {
        TRANSCODE | PORTAL | CAPTIONS => {
            let m = app.store.media(media_id()?).await?;
            let ctl = Arc::new(Control::new());
            let watch = tokio::spawn(watch_job(app.clone(), job.id.clone(), ctl.clone()));
            let res = match job.kind.as_str() {
                TRANSCODE => transcode(app, job, &m, &ctl).await,
                PORTAL => portal(app, &m, &ctl).await,
                _ => burn_captions(app, &m, &ctl).await,
            };
            watch.abort();
            if ctl.is_cancelled() {
                tracing::info!(job = %job.id, "media job cancelled");
            }
            res
        }
        other => Err(AppError::internal(format!("unknown job kind {other:?}"))),
    }
}

/// While a job runs: records its progress twice a second and, when a person cancelled it, stops its ffmpeg.
async fn watch_job(app: App, id: String, ctl: Arc<Control>) {
    let mut last = None;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let p = ctl.percent();
        if last != Some(p) {
            match app.store.set_job_progress(&id, p as i64).await {
                Ok(true) => last = Some(p),
                Ok(false) => {
                    ctl.cancel();
                    return;
                }
                Err(e) => tracing::warn!(job = %id, error = %e, "cannot record job progress"),
            }
        } else if let Ok(j) = app.store.job(&id).await {
            if j.status != JobStatus::Running {
                ctl.cancel();
                return;
            }
        }
    }
}

impl App {
    /// Cancels a queued or running media job (admins, operators, an editor of its medium's partner): a running
    /// one's ffmpeg is stopped within a second. Audited. `409 job-not-active` when it is done, failed or
    /// cancelled already.
    pub async fn cancel_job(&self, actor: &Actor, id: &str) -> AppResult<Job> {
        let (j, partner) = self.job_for_change(actor, id).await?;
        let entry = self
            .audit(actor, "job.cancel", id)
            .partner(partner.as_deref())
            .field("status", j.status.as_str().into(), "cancelled".into());
        let done = self.store.cancel_job(id, &entry).await?;
        let done = done.ok_or_else(|| {
            AppError::conflict(
                "job-not-active",
                format!(
                    "the job is {}: only a queued or running job can be cancelled",
                    j.status.as_str()
                ),
            )
        })?;
        Ok(done)
    }

    /// Queues a failed or cancelled media job again, at once, with its attempts counted afresh (admins, operators,
    /// an editor of its medium's partner). Audited. `409 job-not-retryable` when it is queued, running or done.
    pub async fn retry_job(&self, actor: &Actor, id: &str) -> AppResult<Job> {
        let (j, partner) = self.job_for_change(actor, id).await?;
        let entry = self
            .audit(actor, "job.retry", id)
            .partner(partner.as_deref())
            .field("status", j.status.as_str().into(), "queued".into());
        let done = self.store.retry_job(id, &entry).await?;
        let done = done.ok_or_else(|| {
            AppError::conflict(
                "job-not-retryable",
                format!(
                    "the job is {}: only a failed or cancelled job can be retried",
                    j.status.as_str()
                ),
            )
        })?;
        self.jobs_notify.notify_one();
        Ok(done)
    }

    /// The job and its medium's partner, if `actor` may change it.
    async fn job_for_change(&self, actor: &Actor, id: &str) -> AppResult<(Job, Option<String>)> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let j = self.store.job(id).await?;
        let partner = match j.media_id.as_deref() {
            Some(m) => Some(self.store.media(m).await?.partner),
            None => None,
        };
        match &partner {
            Some(p) => actor.require_partner(p)?,
            None => actor.require(&[Role::Admin, Role::Operator])?,
        }
        Ok((j, partner))
    }
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(format!("job scratch I/O: {e}"))
}

/// A job's scratch directory with the original fetched into it.
async fn scratch_with_source(app: &App, m: &Media) -> AppResult<(Scratch, PathBuf)> {
    if !app.settings.transcoding {
        return Err(AppError::internal("ffmpeg is not available"));
    }
    let dir = Scratch(
        app.settings
            .work_dir
            .join(format!("job-{}", twincast_store::new_id())),
    );
    tokio::fs::create_dir_all(&dir.0).await.map_err(io)?;
    let input = dir.0.join(format!("source.{}", m.media_type));
    fetch(app, &m.object_key, &input).await?;
    Ok((dir, input))
}

fn duration_of(m: &Media) -> Option<u64> {
    m.duration_ms.filter(|d| *d > 0).map(|d| d as u64)
}

/// Thumbnail and poster, then (videos) the screen rendition; then queues the portal's job.
async fn transcode(app: &App, job: &Job, m: &Media, ctl: &Control) -> AppResult<()> {
    let (dir, input) = scratch_with_source(app, m).await?;
    let prefix = format!("renditions/{}", m.sha256);
    let thumb = dir.0.join("thumb.jpg");
    twincast_media::ffmpeg::thumbnail(&input, &thumb).await?;
    let thumb_key = format!("{prefix}/thumb.jpg");
    store_rendition(app, m, "thumbnail", &thumb, &thumb_key, "image/jpeg").await?;
    if m.kind != "video" {
        return Ok(());
    }
    let poster = dir.0.join("poster.jpg");
    twincast_media::ffmpeg::poster(&input, &poster).await?;
    store_rendition(
        app,
        m,
        "poster",
        &poster,
        &format!("{prefix}/poster.jpg"),
        "image/jpeg",
    )
    .await?;
    ctl.step(5, 100);
    let mp4 = dir.0.join("normalized.mp4");
    twincast_media::ffmpeg::screen_mp4(
        &input,
        &mp4,
        app.settings.rendition_max_short_side,
        ctl,
        duration_of(m),
    )
    .await?;
    let mp4_key = format!("{prefix}/normalized.mp4");
    store_rendition(app, m, "mp4", &mp4, &mp4_key, "video/mp4").await?;
    // Screens that cannot decode the original play this file: its hash lets them check what they cache, and
    // the new schedule version makes their manifests name it.
    let sha = file_sha256(&mp4).await?;
    app.store.set_rendition_sha256(&mp4_key, &sha).await?;
    app.store.bump_schedule_version().await?;
    app.emit(crate::events::ServerEvent::ScheduleChanged { screens: None });
    // The portal's part: a person's upload's waits behind every person's screen rendition but not behind a bulk
    // import; a bulk import's takes its turn among the import's jobs, oldest first.
    let portal_priority = if job.priority >= priority::SCREEN_UPLOAD {
        priority::PORTAL_UPLOAD
    } else {
        priority::PORTAL_BULK
    };
    app.store
        .enqueue_job_with_priority(PORTAL, Some(&m.id), job.max_attempts, portal_priority)
        .await?;
    app.jobs_notify.notify_one();
    // Tracks attached before the screen rendition existed are burnt in now.
    if !app.store.captions(&m.id).await?.is_empty() {
        let p = if job.priority >= priority::SCREEN_UPLOAD {
            priority::CAPTIONS
        } else {
            priority::SCREEN_BULK
        };
        app.queue_burn(&m.id, p).await?;
    }
    Ok(())
}

/// Burns each caption track of video `m` that has no screen rendition of its own yet into one (the screen
/// rendition's encode with the track drawn on the picture). Does nothing before the screen rendition exists: the
/// transcode job queues this one again once it does.
async fn burn_captions(app: &App, m: &Media, ctl: &Control) -> AppResult<()> {
    let tracks = app.store.captions(&m.id).await?;
    let renditions = app.store.renditions(&m.id).await?;
    if tracks.is_empty() || !renditions.iter().any(|r| r.kind == "mp4") {
        return Ok(());
    }
    let burnt = app.store.captioned(&m.id).await?;
    let todo: Vec<(String, &twincast_store::Rendition, String)> = tracks
        .iter()
        .filter_map(|t| {
            let lang = crate::captions::caption_lang(t)?.to_string();
            let key = crate::captions::burnt_key(t)?;
            (!burnt.iter().any(|b| b.object_key == key)).then_some((lang, t, key))
        })
        .collect();
    if todo.is_empty() {
        return Ok(());
    }
    let (dir, input) = scratch_with_source(app, m).await?;
    let n = todo.len();
    for (i, (lang, track, key)) in todo.iter().enumerate() {
        let pct = |k: usize| (k * 100 / n) as u8;
        ctl.step(pct(i), pct(i + 1));
        let vtt = dir.0.join(format!("captions-{i}.vtt"));
        fetch(app, &track.object_key, &vtt).await?;
        let out = dir.0.join(format!("screen-{i}.mp4"));
        twincast_media::ffmpeg::burn_captions(
            &input,
            &vtt,
            &out,
            app.settings.rendition_max_short_side,
            ctl,
            duration_of(m),
        )
        .await?;
        let sha = file_sha256(&out).await?;
        let orphans = put_recorded(app, &out, key, |size| {
            app.store
                .set_captioned(&m.id, lang, &track.object_key, key, size, &sha)
        })
        .await?;
        app.remove_objects(&orphans).await;
        app.emit(crate::events::ServerEvent::ScheduleChanged { screens: None });
    }
    Ok(())
}

/// The portal's renditions of a video: the loudness-normalised sound alone, the HLS ladder, the storyboard.
async fn portal(app: &App, m: &Media, ctl: &Control) -> AppResult<()> {
    let (dir, input) = scratch_with_source(app, m).await?;
    let prefix = format!("renditions/{}", m.sha256);
    // The sound alone, for the portal's "listen only" (a tenth of the smallest video's bytes).
    let m4a = dir.0.join("audio.m4a");
    if twincast_media::ffmpeg::audio_only(&input, &m4a).await? {
        let m4a_key = format!("{prefix}/audio.m4a");
        store_rendition(app, m, "audio", &m4a, &m4a_key, "audio/mp4").await?;
    }
    ctl.step(5, 90);
    let hls_dir = dir.0.join("hls");
    tokio::fs::create_dir_all(&hls_dir).await.map_err(io)?;
    let mut files: Vec<String> =
        twincast_media::ffmpeg::hls_with(&input, &hls_dir, ctl, duration_of(m)).await?;
    // Segments and variant playlists first, the master last: a client never sees a master whose parts are
    // missing.
    files.sort_by_key(|f| f.ends_with("master.m3u8"));
    for f in files {
        let key = format!("{prefix}/hls/{f}");
        let mime = match f.rsplit('.').next() {
            Some("m3u8") => "application/vnd.apple.mpegurl",
            Some("ts") => "video/mp2t",
            Some("m4s") => "video/iso.segment",
            _ => "video/mp4",
        };
        store_rendition(app, m, "hls", &hls_dir.join(&f), &key, mime).await?;
    }
    ctl.step(90, 100);
    // The storyboard: the sprite first, then the WebVTT track naming its tiles (by a path relative to itself).
    if let Some(d) = duration_of(m) {
        let plan = twincast_media::storyboard::Storyboard::plan(
            d,
            m.width.unwrap_or(0).max(0) as u32,
            m.height.unwrap_or(0).max(0) as u32,
        );
        let sprite = dir.0.join("storyboard.jpg");
        twincast_media::ffmpeg::storyboard(&input, &sprite, &plan).await?;
        store_rendition(
            app,
            m,
            "storyboard",
            &sprite,
            &format!("{prefix}/storyboard.jpg"),
            "image/jpeg",
        )
        .await?;
        let vtt = dir.0.join("storyboard.vtt");
        tokio::fs::write(&vtt, plan.webvtt("storyboard.jpg", d))
            .await
            .map_err(io)?;
        store_rendition(
            app,
            m,
            "storyboard-vtt",
            &vtt,
            &format!("{prefix}/storyboard.vtt"),
            "text/vtt",
        )
        .await?;
    }
    Ok(())
}

/// The lowercase hex SHA-256 of a file, read in 1 MiB blocks.
async fn file_sha256(path: &Path) -> AppResult<String> {
    use sha2::{Digest, Sha256};
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path).await.map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).await.map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

async fn fetch(app: &App, key: &str, to: &Path) -> AppResult<()> {
    let mut stream = app.storage.get(key, None).await?;
    let mut f = tokio::fs::File::create(to).await.map_err(io)?;
    while let Some(chunk) = stream.next().await {
        f.write_all(&chunk?).await.map_err(io)?;
    }
    f.flush().await.map_err(io)?;
    Ok(())
}

async fn store_rendition(
    app: &App,
    m: &Media,
    kind: &str,
    file: &Path,
    key: &str,
    mime: &str,
) -> AppResult<()> {
    put_recorded(app, file, key, |size| {
        app.store.add_rendition(&m.id, kind, key, mime, size)
    })
    .await?;
    app.portal_changed();
    Ok(())
}

/// Puts `file` under `key` and writes the row that references it (`record`, given the size). Recorded as pending
/// first: if this node dies between the put and the row, a live node deletes the object once this node's lease has
/// run out (and no row references it).
async fn put_recorded<T, F>(
    app: &App,
    file: &Path,
    key: &str,
    record: impl FnOnce(i64) -> F,
) -> AppResult<T>
where
    F: std::future::Future<Output = twincast_store::Result<T>>,
{
    let pending = app.object_pending(key).await?;
    let stored = async {
        let size = app.storage.put_file(key, file).await?;
        AppResult::Ok(record(size as i64).await?)
    }
    .await;
    app.object_committed(pending).await;
    stored
}
