//! The media job worker: takes jobs from the persisted queue (so they survive restarts), runs ffmpeg, stores the
//! derived files (thumbnail, normalised MP4, HLS), and records failures so the store retries them with backoff.

use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::App;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use twincast_store::{Job, Media};

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
    match job.kind.as_str() {
        "transcode" => {
            let media_id = job
                .media_id
                .as_deref()
                .ok_or_else(|| AppError::internal("transcode job without media"))?;
            let m = app.store.media(media_id).await?;
            transcode(app, &m).await
        }
        other => Err(AppError::internal(format!("unknown job kind {other:?}"))),
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

async fn transcode(app: &App, m: &Media) -> AppResult<()> {
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
    let prefix = format!("renditions/{}", m.sha256);
    let thumb = dir.0.join("thumb.jpg");
    twincast_media::ffmpeg::thumbnail(&input, &thumb).await?;
    let thumb_key = format!("{prefix}/thumb.jpg");
    store_rendition(app, m, "thumbnail", &thumb, &thumb_key, "image/jpeg").await?;
    if m.kind == "video" {
        let mp4 = dir.0.join("normalized.mp4");
        twincast_media::ffmpeg::normalize_mp4(&input, &mp4).await?;
        let mp4_key = format!("{prefix}/normalized.mp4");
        store_rendition(app, m, "mp4", &mp4, &mp4_key, "video/mp4").await?;
        // Screens that cannot decode the original play this file: its hash lets them check what they cache, and
        // the new schedule version makes their manifests name it.
        let sha = file_sha256(&mp4).await?;
        app.store.set_rendition_sha256(&mp4_key, &sha).await?;
        app.store.bump_schedule_version().await?;
        app.emit(crate::events::ServerEvent::ScheduleChanged { screens: None });
        // The sound alone, for the portal's "listen only" (a tenth of the smallest video's bytes).
        let m4a = dir.0.join("audio.m4a");
        if twincast_media::ffmpeg::audio_only(&input, &m4a).await? {
            let m4a_key = format!("{prefix}/audio.m4a");
            store_rendition(app, m, "audio", &m4a, &m4a_key, "audio/mp4").await?;
        }
        let hls_dir = dir.0.join("hls");
        tokio::fs::create_dir_all(&hls_dir).await.map_err(io)?;
        let mut files: Vec<String> = twincast_media::ffmpeg::hls(&input, &hls_dir).await?;
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
    // Recorded as pending first: if this node dies between the put and the row, a live node deletes the object
    // once this node's lease has run out (and no row references it).
    let pending = app.object_pending(key).await?;
    let stored = async {
        let size = app.storage.put_file(key, file).await?;
        app.store
            .add_rendition(&m.id, kind, key, mime, size as i64)
            .await?;
        AppResult::Ok(())
    }
    .await;
    app.object_committed(pending).await;
    stored?;
    app.portal_changed();
    Ok(())
}
