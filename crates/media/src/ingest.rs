//! Streaming ingest: temp file + SHA-256 + size limit, then sniff, sanitize (SVG) and probe.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::sniff::SNIFF_LEN;
use crate::{probe_file, sanitize_svg, sniff, MediaError, MediaType, Probe};

/// SVGs are parsed in memory to be sanitized: bigger ones are refused (no real flag or logo comes close).
pub const MAX_SVG_BYTES: u64 = 16 * 1024 * 1024;

const PREFIX: &str = "ingest-";
const SUFFIX: &str = ".part";

/// Removes the file at `path` when dropped.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove temp file");
            }
        }
    }
}

/// An upload in progress. Feed it with [`Ingest::push`], end it with [`Ingest::finish`]; dropping it
/// unfinished (client went away, error) removes its temp file.
#[derive(Debug)]
pub struct Ingest {
    temp: Option<TempFile>,
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    hasher: Sha256,
    size: u64,
    max_bytes: u64,
    head: Vec<u8>,
    ffprobe: bool,
}

/// A finished, checked upload. Its temp file is deleted when this is dropped: store it first
/// (e.g. [`crate::Storage::put_file`] with [`crate::object_key`]).
#[derive(Debug)]
pub struct Ingested {
    /// The temp file holding the content (for SVG: the sanitized content).
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the content at `path`.
    pub sha256: String,
    /// Size in bytes of the content at `path`.
    pub size: u64,
    /// The type, from the magic bytes.
    pub media_type: MediaType,
    /// Dimensions, duration and codec.
    pub probe: Probe,
    _temp: TempFile,
}

impl Ingest {
    /// Start an ingest writing to a new temp file in `tmp_dir` (created if missing), refusing more than
    /// `max_bytes`.
    pub async fn new(tmp_dir: &Path, max_bytes: u64) -> Result<Ingest, MediaError> {
        tokio::fs::create_dir_all(tmp_dir).await?;
        let path = tmp_dir.join(format!("{PREFIX}{}{SUFFIX}", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await?;
        Ok(Ingest {
            temp: Some(TempFile { path }),
            file: Some(tokio::io::BufWriter::with_capacity(256 * 1024, file)),
            hasher: Sha256::new(),
            size: 0,
            max_bytes,
            head: Vec::with_capacity(SNIFF_LEN),
            ffprobe: false,
        })
    }

    /// With `on`, videos the native probe does not read (ProRes, MPEG-2, Matroska, MPEG streams, …) are probed
    /// with ffprobe and accepted when it finds a video stream; without, they are refused
    /// ([`MediaError::UnsupportedType`], or [`MediaError::NeedsFfmpeg`] for containers only ffmpeg reads). Turn it
    /// on only where the media jobs transcode them.
    pub fn with_ffprobe(mut self, on: bool) -> Ingest {
        self.ffprobe = on;
        self
    }

    /// Remove temp files left in `tmp_dir` by ingests that never finished (e.g. after a crash). Call at start,
    /// before any ingest runs. Returns how many were removed.
    pub async fn cleanup_stale(tmp_dir: &Path) -> Result<usize, MediaError> {
        let mut n = 0;
        let mut rd = match tokio::fs::read_dir(tmp_dir).await {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        while let Some(entry) = rd.next_entry().await? {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(PREFIX) && name.ends_with(SUFFIX) {
                tokio::fs::remove_file(entry.path()).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append a chunk. Past `max_bytes` this fails with [`MediaError::TooLarge`] and the temp file is removed
    /// at once; so does any later call.
    pub async fn push(&mut self, chunk: &[u8]) -> Result<(), MediaError> {
        let Some(file) = self.file.as_mut() else {
            return Err(MediaError::TooLarge {
                limit: self.max_bytes,
            });
        };
        if self.size + chunk.len() as u64 > self.max_bytes {
            self.file = None;
            self.temp = None; // removes the file
            return Err(MediaError::TooLarge {
                limit: self.max_bytes,
            });
        }
        if self.head.len() < SNIFF_LEN {
            let n = (SNIFF_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..n]);
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        if let Err(e) = file.write_all(chunk).await {
            self.file = None;
            self.temp = None;
            return Err(e.into());
        }
        Ok(())
    }

    /// End the upload: sniff the type from the content, sanitize SVG (the stored content, hash and size are
    /// then those of the sanitized document), probe. Any failure removes the temp file.
    pub async fn finish(mut self) -> Result<Ingested, MediaError> {
        let mut file = self.file.take().ok_or(MediaError::TooLarge {
            limit: self.max_bytes,
        })?;
        let temp = self.temp.take().ok_or(MediaError::TooLarge {
            limit: self.max_bytes,
        })?;
        file.flush().await?;
        drop(file);
        let sha256 = hex::encode(self.hasher.finalize());
        checked(temp, &self.head, sha256, self.size, self.ffprobe).await
    }
}

/// Sniffs, sanitizes (SVG) and probes the complete file held by `temp`, whose raw content has hash `sha256` and
/// `size` bytes and starts with `head`.
async fn checked(
    temp: TempFile,
    head: &[u8],
    sha256: String,
    size: u64,
    ffprobe: bool,
) -> Result<Ingested, MediaError> {
    let media_type = sniff(head).ok_or(MediaError::UnsupportedType)?;
    let (mut sha256, mut size) = (sha256, size);
    if media_type == MediaType::Svg {
        if size > MAX_SVG_BYTES {
            return Err(MediaError::TooLarge {
                limit: MAX_SVG_BYTES,
            });
        }
        let raw = tokio::fs::read(&temp.path).await?;
        let clean = tokio::task::spawn_blocking(move || sanitize_svg(&raw))
            .await
            .map_err(|e| MediaError::Corrupt(format!("SVG sanitizer failed: {e}")))??;
        sha256 = hex::encode(Sha256::digest(&clean));
        size = clean.len() as u64;
        tokio::fs::write(&temp.path, &clean).await?;
    }
    let path = temp.path.clone();
    let native = tokio::task::spawn_blocking(move || probe_file(&path, media_type))
        .await
        .map_err(|e| MediaError::Corrupt(format!("probe failed: {e}")))?;
    let probe = match native {
        Err(MediaError::UnsupportedType | MediaError::NeedsFfmpeg(_))
            if ffprobe && media_type.kind() == "video" =>
        {
            crate::ffmpeg::probe(&temp.path).await?
        }
        other => other?,
    };
    Ok(Ingested {
        path: temp.path.clone(),
        sha256,
        size,
        media_type,
        probe,
        _temp: temp,
    })
}

impl Ingested {
    /// Takes over a complete spool file (a resumable upload's chunks): it is read once to hash it, then checked
    /// like an upload that arrived in one piece (`ffprobe` as [`Ingest::with_ffprobe`]). When `expect_sha256` is given and the raw content's SHA-256
    /// differs, this fails with [`MediaError::Corrupt`]. The spool file is removed when the result is dropped,
    /// and on every failure.
    pub async fn from_spool(
        spool: &Path,
        max_bytes: u64,
        expect_sha256: Option<&str>,
        ffprobe: bool,
    ) -> Result<Ingested, MediaError> {
        use tokio::io::AsyncReadExt;
        let temp = TempFile {
            path: spool.to_path_buf(),
        };
        let mut f = tokio::fs::File::open(&temp.path).await?;
        let (mut hasher, mut size) = (Sha256::new(), 0u64);
        let mut head = Vec::with_capacity(SNIFF_LEN);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > max_bytes {
                return Err(MediaError::TooLarge { limit: max_bytes });
            }
            if head.len() < SNIFF_LEN {
                let k = (SNIFF_LEN - head.len()).min(n);
                head.extend_from_slice(&buf[..k]);
            }
            hasher.update(&buf[..n]);
        }
        drop(f);
        let sha256 = hex::encode(hasher.finalize());
        if let Some(want) = expect_sha256 {
            if !want.eq_ignore_ascii_case(&sha256) {
                return Err(MediaError::Corrupt(format!(
                    "the content's SHA-256 is {sha256}, not {want}: a chunk was damaged on the way"
                )));
            }
        }
        checked(temp, &head, sha256, size, ffprobe).await
    }

    /// Ingest a whole local file (CLI import): streams it through [`Ingest`] in 1 MiB chunks.
    pub async fn from_file(
        src: &Path,
        tmp_dir: &Path,
        max_bytes: u64,
    ) -> Result<Ingested, MediaError> {
        use tokio::io::AsyncReadExt;
        let mut f = tokio::fs::File::open(src).await?;
        let mut ing = Ingest::new(tmp_dir, max_bytes).await?;
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = f.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            ing.push(&buf[..n]).await?;
        }
        ing.finish().await
    }
}
