//! The media worker: takes jobs from the persisted queue (so they survive restarts), runs ffmpeg, stores the
//! derived files, and retries failures with backoff (the store decides when).

use crate::AppState;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use twincast_store::{Job, Media};

/// Runs until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match state.store.claim_job().await {
            Ok(Some(job)) => {
                let id = job.id.clone();
                let result = run_job(&state, &job).await;
                let outcome = match result {
                    Ok(()) => state.store.complete_job(&id).await.map(|_| ()),
                    Err(e) => {
                        tracing::warn!(job = %id, error = %e, "media job failed");
                        state.store.fail_job(&id, &e.to_string()).await.map(|_| ())
                    }
                };
                if let Err(e) = outcome {
                    tracing::error!(job = %id, error = %e, "cannot record job outcome");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot claim a job"),
        }
        tokio::select! {
            _ = state.jobs_notify.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn run_job(state: &AppState, job: &Job) -> anyhow::Result<()> {
    match job.kind.as_str() {
        "transcode" => {
            let media_id = job
                .media_id
                .as_deref()
                .ok_or_else(|| anyhow::anyhow!("transcode job without media"))?;
            let m = state.store.media(media_id).await?;
            transcode(state, &m).await
        }
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

/// A scratch directory removed on drop.
struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn transcode(state: &AppState, m: &Media) -> anyhow::Result<()> {
    if !state.transcoding {
        anyhow::bail!("ffmpeg is not available");
    }
    let dir = Scratch(
        state
            .config
            .work_dir()
            .join(format!("job-{}", twincast_store::new_id())),
    );
    tokio::fs::create_dir_all(&dir.0).await?;
    let input = dir.0.join(format!("source.{}", m.media_type));
    fetch(state, &m.object_key, &input).await?;
    let prefix = format!("renditions/{}", m.sha256);
    let thumb = dir.0.join("thumb.jpg");
    twincast_media::ffmpeg::thumbnail(&input, &thumb).await?;
    store_rendition(
        state,
        m,
        "thumbnail",
        &thumb,
        &format!("{prefix}/thumb.jpg"),
        "image/jpeg",
    )
    .await?;
    if m.kind == "video" {
        let mp4 = dir.0.join("normalized.mp4");
        twincast_media::ffmpeg::normalize_mp4(&input, &mp4).await?;
        store_rendition(
            state,
            m,
            "mp4",
            &mp4,
            &format!("{prefix}/normalized.mp4"),
            "video/mp4",
        )
        .await?;
        let hls_dir = dir.0.join("hls");
        tokio::fs::create_dir_all(&hls_dir).await?;
        let files = twincast_media::ffmpeg::hls(&input, &hls_dir).await?;
        // Segments and variant playlists first, the master last: a client never sees a master whose parts are missing.
        let mut files: Vec<String> = files;
        files.sort_by_key(|f| f.ends_with("master.m3u8"));
        for f in files {
            let key = format!("{prefix}/hls/{f}");
            let mime = match f.rsplit('.').next() {
                Some("m3u8") => "application/vnd.apple.mpegurl",
                Some("ts") => "video/mp2t",
                Some("m4s") => "video/iso.segment",
                _ => "video/mp4",
            };
            store_rendition(state, m, "hls", &hls_dir.join(&f), &key, mime).await?;
        }
    }
    Ok(())
}

async fn fetch(state: &AppState, key: &str, to: &Path) -> anyhow::Result<()> {
    let mut stream = state.storage.get(key, None).await?;
    let mut f = tokio::fs::File::create(to).await?;
    while let Some(chunk) = stream.next().await {
        f.write_all(&chunk?).await?;
    }
    f.flush().await?;
    Ok(())
}

async fn store_rendition(
    state: &AppState,
    m: &Media,
    kind: &str,
    file: &Path,
    key: &str,
    mime: &str,
) -> anyhow::Result<()> {
    let size = state.storage.put_file(key, file).await?;
    state
        .store
        .add_rendition(&m.id, kind, key, mime, size as i64)
        .await?;
    Ok(())
}
