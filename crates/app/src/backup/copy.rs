//! Object copies that check what they copy: streamed into a local spool file while hashed, put only when the hash
//! and size are those expected.

use super::BackupResult;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;
use twincast_media::{MediaError, Storage};

/// A local file removed when dropped.
pub(crate) struct TempPath(pub PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The outcome of [`copy_checked`].
pub(crate) enum Copied {
    /// Copied; its SHA-256.
    Done(String),
    /// Not copied: missing at the source, or not the content expected (the text says how).
    Problem(String),
}

/// Copies `from_key` of `from` to `to_key` of `to` through a spool file in `tmp`, unless the content's size is not
/// `size` or (when given) its SHA-256 is not `sha256`.
pub(crate) async fn copy_checked(
    from: &Storage,
    from_key: &str,
    to: &Storage,
    to_key: &str,
    tmp: &Path,
    sha256: Option<&str>,
    size: u64,
) -> BackupResult<Copied> {
    let spool = TempPath(tmp.join(format!("copy-{}", twincast_store::new_id())));
    let mut stream = match from.get(from_key, None).await {
        Ok(s) => s,
        Err(MediaError::NotFound) => return Ok(Copied::Problem("missing".into())),
        Err(e) => return Err(e.into()),
    };
    let mut f = tokio::fs::File::create(&spool.0).await?;
    let mut hasher = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        n += chunk.len() as u64;
        f.write_all(&chunk).await?;
    }
    f.flush().await?;
    drop(f);
    let found = hex::encode(hasher.finalize());
    if let Some(problem) = mismatch(sha256, size, &found, n) {
        return Ok(Copied::Problem(problem));
    }
    to.put_file(to_key, &spool.0).await?;
    Ok(Copied::Done(found))
}

/// What differs between the expected and the found content, if anything.
pub(crate) fn mismatch(sha256: Option<&str>, size: u64, found: &str, n: u64) -> Option<String> {
    match sha256 {
        Some(want) if !want.eq_ignore_ascii_case(found) => {
            Some(format!("sha256 is {found}, expected {want}"))
        }
        _ if n != size => Some(format!("size is {n} bytes, expected {size}")),
        _ => None,
    }
}

/// The SHA-256 and size of an object, or `None` if there is none.
pub(crate) async fn hash_object(
    storage: &Storage,
    key: &str,
) -> BackupResult<Option<(String, u64)>> {
    let mut stream = match storage.get(key, None).await {
        Ok(s) => s,
        Err(MediaError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut hasher = Sha256::new();
    let mut n = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hasher.update(&chunk);
        n += chunk.len() as u64;
    }
    Ok(Some((hex::encode(hasher.finalize()), n)))
}

/// The SHA-256 and size of a local file.
pub(crate) async fn hash_file(path: &Path) -> BackupResult<(String, u64)> {
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).await?;
        if k == 0 {
            break;
        }
        hasher.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex::encode(hasher.finalize()), n))
}
