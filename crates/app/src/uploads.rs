//! Resumable uploads: a large file arrives in chunks, each appended at the session's current offset to a spool
//! file under the data directory; a broken connection loses at most the unwritten rest of one chunk, and the
//! client resumes from the offset the server answers. Only [`App::complete_upload`] turns the spool into a media
//! item, through the same [`App::commit_media`] path as a one-piece upload (type sniffing, probing, moderation,
//! jobs): nothing half-written is ever visible as media. Sessions expire ([`UPLOAD_TTL_MS`] after their last
//! chunk) and are removed with their spool files. The protocol is described for API users in `docs/uploads.md`.
//!
//! One process writes a session's chunks at a time: a chunk arriving while another is being written for the same
//! session is refused (`upload-busy`, 409), and the offset moves in the database only from the value the chunk
//! started at, so a stale writer cannot move it.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::App;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use twincast_media::Ingested;
use twincast_store::{Media, Role, StoreError, UploadSession};

/// How long a session lives after its last chunk (24 hours).
pub const UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;

/// The chunk size the server suggests (8 MiB); any size works.
pub const CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// What a client declares when it starts an upload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadStart {
    /// The owner partner (slug).
    pub partner: String,
    /// The file name the media item gets.
    pub file_name: String,
    /// The whole file's size in bytes.
    pub size: u64,
    /// The type the client believes it is (informative: the server reads the type from the content).
    #[serde(default)]
    pub mime: Option<String>,
}

/// Sessions whose chunk is being written in this process.
static BUSY: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);

/// Marks a session busy while alive.
struct Busy(String);

impl Busy {
    fn take(id: &str) -> AppResult<Busy> {
        let mut set = BUSY.lock().map_err(AppError::internal)?;
        if !set.insert(id.to_string()) {
            return Err(AppError::conflict(
                "upload-busy",
                "another request is writing to this upload right now; wait for it, then ask for the offset",
            ));
        }
        Ok(Busy(id.to_string()))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Ok(mut set) = BUSY.lock() {
            set.remove(&self.0);
        }
    }
}

fn not_found() -> AppError {
    AppError::missing(
        "upload-not-found",
        "no such upload session (it may have completed, been abandoned or expired)",
    )
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(format!("upload spool: {e}"))
}

impl App {
    /// The spool file of session `id`.
    pub fn upload_spool(&self, id: &str) -> PathBuf {
        self.settings.uploads_dir.join(format!("{id}.part"))
    }

    /// Starts a resumable upload for `input.partner` (admins, operators, an editor of that partner), refusing a
    /// size over the configured limit (413) before any byte is sent. Removes expired sessions first. Audited.
    pub async fn start_upload(
        &self,
        actor: &Actor,
        input: &UploadStart,
    ) -> AppResult<UploadSession> {
        self.check_upload(actor, &input.partner).await?;
        crate::validate::file_name(&input.file_name)?;
        if input.size == 0 {
            return Err(AppError::invalid("empty-upload", "the file is empty"));
        }
        if input.size > self.settings.max_upload_bytes {
            return Err(AppError::TooLarge {
                limit: self.settings.max_upload_bytes,
            });
        }
        let mime = input.mime.clone().unwrap_or_default();
        if mime.len() > 255 || mime.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "invalid-mime",
                "the type is not a media type",
            ));
        }
        if let Err(e) = self.expire_uploads().await {
            tracing::warn!(error = %e, "could not remove expired uploads");
        }
        let now = self.now_ms();
        let draft = UploadSession {
            id: String::new(),
            partner: input.partner.clone(),
            file_name: input.file_name.clone(),
            size: input.size as i64,
            mime,
            received: 0,
            created_by: Some(actor.user.id.clone()).filter(|id| !id.is_empty()),
            created_at: now,
            updated_at: now,
            expires_at: now + UPLOAD_TTL_MS,
        };
        let entry = self
            .audit(actor, "upload.start", "")
            .partner(Some(&input.partner))
            .created(input);
        tokio::fs::create_dir_all(&self.settings.uploads_dir)
            .await
            .map_err(io)?;
        let u = self.store.create_upload(&draft, &entry).await?;
        tokio::fs::File::create(self.upload_spool(&u.id))
            .await
            .map_err(io)?;
        Ok(u)
    }

    /// Upload session `id`, if `actor` may write to it (admins, operators, an editor of its partner). An expired
    /// session is removed and answered as `upload-expired` (410).
    pub async fn upload_session(&self, actor: &Actor, id: &str) -> AppResult<UploadSession> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let u = match self.store.upload(id).await {
            Err(StoreError::NotFound) => return Err(not_found()),
            other => other?,
        };
        actor.require_partner(&u.partner)?;
        if u.expires_at <= self.now_ms() {
            let entry = self
                .audit_system("upload.expire", &u.id)
                .partner(Some(&u.partner));
            self.remove_upload(&u, Some(&entry)).await?;
            return Err(AppError::gone(
                "upload-expired",
                "this upload session expired; start the upload again",
            ));
        }
        Ok(u)
    }

    /// Appends `body` to session `id` at `offset`, which must be the session's current offset
    /// (`upload-offset-mismatch`, 409, otherwise: ask for the offset and resume from it). Bytes past the declared
    /// size are refused (413) and not kept. When the body breaks off, the bytes that arrived are kept and the
    /// offset moves past them (`upload-interrupted`). Returns the session with its new offset.
    pub async fn append_upload<S, B, E>(
        &self,
        actor: &Actor,
        id: &str,
        offset: u64,
        body: S,
    ) -> AppResult<UploadSession>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        self.append_upload_checked(actor, id, offset, body, None)
            .await
    }

    /// [`App::append_upload`] with the chunk's declared checksum (tus's checksum extension): the chunk is hashed
    /// as it streams to the spool and kept only when its digest equals `checksum`; otherwise the spool is cut back
    /// to `offset`, the offset does not move, and the answer is `checksum-mismatch` (the tus front door answers
    /// 460). A chunk that breaks off cannot be verified, so none of it is kept (`upload-interrupted`).
    pub async fn append_upload_checked<S, B, E>(
        &self,
        actor: &Actor,
        id: &str,
        offset: u64,
        mut body: S,
        checksum: Option<&twincast_core::tus::Checksum>,
    ) -> AppResult<UploadSession>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        self.upload_session(actor, id).await?;
        let _busy = Busy::take(id)?;
        // Read again under the lock: another chunk may have moved the offset meanwhile.
        let u = self.store.upload(id).await.map_err(|_| not_found())?;
        if offset != u.received as u64 {
            return Err(offset_mismatch(u.received));
        }
        let path = self.upload_spool(id);
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => AppError::gone(
                    "upload-spool-lost",
                    "the bytes received so far were lost on the server; start the upload again",
                ),
                _ => io(e),
            })?;
        let on_disk = file.metadata().await.map_err(io)?.len();
        if on_disk < offset {
            return Err(AppError::gone(
                "upload-spool-lost",
                "the bytes received so far were lost on the server; start the upload again",
            ));
        }
        // Bytes past the recorded offset come from a write that was never recorded: drop them.
        file.set_len(offset).await.map_err(io)?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(io)?;
        let mut file = tokio::io::BufWriter::with_capacity(1024 * 1024, file);
        let (size, mut written) = (u.size as u64, 0u64);
        let mut broken = None;
        let mut hasher = checksum.map(|c| twincast_core::tus::ChunkHasher::new(c.algorithm));
        while let Some(chunk) = body.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => {
                    broken = Some(e.to_string());
                    break;
                }
            };
            let chunk = chunk.as_ref();
            if offset + written + chunk.len() as u64 > size {
                drop(file);
                if let Ok(f) = tokio::fs::OpenOptions::new().write(true).open(&path).await {
                    let _ = f.set_len(offset).await;
                }
                return Err(AppError::TooLarge { limit: size });
            }
            if let Some(h) = hasher.as_mut() {
                h.update(chunk);
            }
            file.write_all(chunk).await.map_err(io)?;
            written += chunk.len() as u64;
        }
        file.flush().await.map_err(io)?;
        if let (Some(h), Some(declared)) = (hasher, checksum) {
            let refused = if broken.is_some() {
                Some(AppError::invalid(
                    "upload-interrupted",
                    format!(
                        "the chunk broke off after {written} bytes and could not be checked against its checksum; nothing of it was kept: resume at offset {offset}"
                    ),
                ))
            } else if !h.matches(declared) {
                Some(AppError::Unprocessable {
                    code: "checksum-mismatch",
                    message: format!(
                        "the chunk's bytes do not match its Upload-Checksum; nothing of it was kept: send it again from offset {offset}"
                    ),
                })
            } else {
                None
            };
            if let Some(e) = refused {
                file.get_ref().set_len(offset).await.map_err(io)?;
                file.get_ref().sync_data().await.map_err(io)?;
                return Err(e);
            }
        }
        file.get_ref().sync_data().await.map_err(io)?;
        drop(file);
        let now = self.now_ms();
        let to = (offset + written) as i64;
        if written > 0
            && !self
                .store
                .advance_upload(id, offset as i64, to, now, now + UPLOAD_TTL_MS)
                .await?
        {
            let current = self.store.upload(id).await.map_err(|_| not_found())?;
            return Err(offset_mismatch(current.received));
        }
        if let Some(why) = broken {
            tracing::info!(upload = %id, offset = to, %why, "upload chunk broke off; the client may resume");
            return Err(AppError::invalid(
                "upload-interrupted",
                format!("the chunk broke off after {written} bytes; resume at offset {to}"),
            ));
        }
        Ok(UploadSession {
            received: to,
            updated_at: if written > 0 { now } else { u.updated_at },
            expires_at: if written > 0 {
                now + UPLOAD_TTL_MS
            } else {
                u.expires_at
            },
            ..u
        })
    }

    /// Completes session `id` once every byte has arrived (`upload-incomplete`, 409, before): checks the
    /// SHA-256 when `sha256` is given (`upload-checksum-mismatch`, 422), then commits the file like a one-piece
    /// upload ([`App::commit_media`]). The session is gone afterwards, whatever the outcome of the commit.
    pub async fn complete_upload(
        &self,
        actor: &Actor,
        id: &str,
        sha256: Option<&str>,
    ) -> AppResult<(Media, bool)> {
        let u = self.upload_session(actor, id).await?;
        let _busy = Busy::take(id)?;
        if u.received != u.size {
            return Err(AppError::conflict(
                "upload-incomplete",
                format!(
                    "{} of {} bytes have arrived; send the rest from offset {} first",
                    u.received, u.size, u.received
                ),
            ));
        }
        let ingested = Ingested::from_spool(
            &self.upload_spool(id),
            self.settings.max_upload_bytes,
            sha256,
            self.settings.transcoding,
        )
        .await;
        self.store.delete_upload(id, None).await?;
        let ingested = ingested.map_err(|e| match e {
            twincast_media::MediaError::Corrupt(m) if sha256.is_some() && m.contains("SHA-256") => {
                AppError::Unprocessable {
                    code: "upload-checksum-mismatch",
                    message: m,
                }
            }
            other => other.into(),
        })?;
        self.commit_media(&ingested, &u.partner, &u.file_name, actor)
            .await
    }

    /// Abandons session `id`: the row and the spool file go. Audited.
    pub async fn abandon_upload(&self, actor: &Actor, id: &str) -> AppResult<()> {
        let u = self.upload_session(actor, id).await?;
        let _busy = Busy::take(id)?;
        let entry = self
            .audit(actor, "upload.abandon", id)
            .partner(Some(&u.partner))
            .field("received", u.received.into(), serde_json::Value::Null);
        self.remove_upload(&u, Some(&entry)).await
    }

    /// Removes sessions past their expiry with their spool files, and spool files that have no session (left
    /// by a crash between the two). Returns how many sessions were removed.
    pub async fn expire_uploads(&self) -> AppResult<usize> {
        let mut n = 0;
        loop {
            let batch = self.store.expired_uploads(self.now_ms(), 500).await?;
            if batch.is_empty() {
                break;
            }
            for u in &batch {
                let entry = self
                    .audit_system("upload.expire", &u.id)
                    .partner(Some(&u.partner));
                self.remove_upload(u, Some(&entry)).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Removes spool files that no session owns (a crash between a session's removal and its file's). Call at
    /// start. Returns how many were removed.
    pub async fn remove_orphan_spools(&self) -> AppResult<usize> {
        twincast_media::Ingest::cleanup_stale(&self.settings.uploads_dir.join("whole")).await?;
        let mut rd = match tokio::fs::read_dir(&self.settings.uploads_dir).await {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io(e)),
        };
        let mut n = 0;
        while let Some(entry) = rd.next_entry().await.map_err(io)? {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(id) = name.strip_suffix(".part") else {
                continue;
            };
            if !self.store.upload_exists(id).await? {
                tokio::fs::remove_file(entry.path()).await.map_err(io)?;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn remove_upload(
        &self,
        u: &UploadSession,
        audit: Option<&twincast_store::AuditEntry>,
    ) -> AppResult<()> {
        self.store.delete_upload(&u.id, audit).await?;
        match tokio::fs::remove_file(self.upload_spool(&u.id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(e)),
        }
    }
}

/// `upload-offset-mismatch` (409) naming the current offset.
fn offset_mismatch(current: i64) -> AppError {
    AppError::conflict(
        "upload-offset-mismatch",
        format!("the upload is at offset {current}; send the chunk that starts there"),
    )
}
