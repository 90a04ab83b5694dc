//! Whole-deployment backup: the database's portable dump ([`Store::backup`]) and every object its rows refer to,
//! written to a *backup store* (a directory or an S3 bucket, opened like the deployment's own object store), and
//! the restore of such a backup onto an empty deployment. docs/operations.md, "Backup and restore", is the
//! operator's side of this module.
//!
//! Layout of a backup store:
//!
//! ```text
//! objects/<key>                          every object ever backed up, under its deployment key (media/ab/cd/<sha256>.png,
//!                                        renditions/<sha256>/hls/…): shared by all snapshots
//! snapshots/<id>/database.jsonl          the database dump of one snapshot (JSON lines, `twincast db backup`'s format)
//! snapshots/<id>/manifest.json           written last: the snapshot's objects with their SHA-256 and size, the dump's hash
//! ```
//!
//! Consistency: the dump is read in one transaction (a snapshot on both backends) and the objects copied are the
//! ones *that dump* refers to, so the backup is the deployment at one instant, taken online. Objects are written
//! before the rows that refer to them and never changed under a key (media keys are their content's SHA-256,
//! renditions are written once per original), so a backup is incremental: an object already in the backup store
//! with its size is not copied again. A snapshot without its `manifest.json` is incomplete and never restored.

mod copy;
mod restore;

pub use restore::{restore, verify_backup, verify_deployment, RestoreReport};

use copy::{copy_checked, hash_object, Copied};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use twincast_media::{MediaError, Storage};
use twincast_store::{Store, StoreError};

/// `format` of a manifest.
pub const MANIFEST_FORMAT: &str = "twincast-deployment-backup";

/// What can go wrong in a backup, a restore or a verification.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database failed (or is not empty, for a restore).
    #[error("database: {0}")]
    Store(StoreError),
    /// The deployment's or the backup's object store failed.
    #[error("object store: {0}")]
    Media(MediaError),
    /// A local file (the spool of a copy, the dump) could not be written or read.
    #[error("local file: {0}")]
    Io(std::io::Error),
    /// The backup store holds no usable snapshot, or one that is not a Twincast backup.
    #[error("{0}")]
    Invalid(String),
    /// Objects are missing or do not match their recorded hash or size; each is named.
    #[error("{} object(s) missing or damaged:\n{}", .0.len(), problems_text(.0))]
    Objects(Vec<ObjectProblem>),
}

// Not `#[from]`: that would also make the cause the error's source, and `{:#}` would print its text twice.
impl From<StoreError> for BackupError {
    fn from(e: StoreError) -> Self {
        BackupError::Store(e)
    }
}

impl From<MediaError> for BackupError {
    fn from(e: MediaError) -> Self {
        BackupError::Media(e)
    }
}

impl From<std::io::Error> for BackupError {
    fn from(e: std::io::Error) -> Self {
        BackupError::Io(e)
    }
}

fn problems_text(p: &[ObjectProblem]) -> String {
    p.iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One object that is not as it should be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectProblem {
    /// The object's deployment key.
    pub key: String,
    /// What is wrong: `missing`, or the hash or size found and expected.
    pub problem: String,
}

impl std::fmt::Display for ObjectProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.problem)
    }
}

/// Result alias of this module.
pub type BackupResult<T> = Result<T, BackupError>;

/// One object of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    /// Deployment key (the backup holds it under `objects/<key>`).
    pub key: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// `snapshots/<id>/manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// The snapshot's id (also its folder).
    pub snapshot: String,
    /// When the database was read, epoch ms.
    pub created_at: i64,
    /// Rows in the dump.
    pub rows: u64,
    /// SHA-256 of `database.jsonl`.
    pub database_sha256: String,
    /// Every object the dump's rows refer to.
    pub objects: Vec<ObjectEntry>,
}

/// What [`create`] did.
#[derive(Debug, Clone, Serialize)]
pub struct CreateReport {
    /// The new snapshot's id.
    pub snapshot: String,
    /// Database rows written.
    pub rows: u64,
    /// Objects the snapshot holds.
    pub objects: usize,
    /// Of those, copied now (the others were already in the backup store).
    pub copied: usize,
    /// Bytes copied now.
    pub copied_bytes: u64,
}

pub(crate) fn database_key(snapshot: &str) -> String {
    format!("snapshots/{snapshot}/database.jsonl")
}

pub(crate) fn manifest_key(snapshot: &str) -> String {
    format!("snapshots/{snapshot}/manifest.json")
}

pub(crate) fn backup_object_key(key: &str) -> String {
    format!("objects/{key}")
}

/// The ids of the complete snapshots (those with a manifest), oldest first.
pub async fn snapshots(backup: &Storage) -> BackupResult<Vec<String>> {
    let keys = backup.list("snapshots").await?;
    let mut ids: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            k.strip_prefix("snapshots/")?
                .strip_suffix("/manifest.json")
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    Ok(ids)
}

/// Reads a snapshot's manifest (`None`: the newest complete snapshot).
pub async fn manifest(backup: &Storage, snapshot: Option<&str>) -> BackupResult<Manifest> {
    let id = match snapshot {
        Some(s) => s.to_string(),
        None => snapshots(backup).await?.pop().ok_or_else(|| {
            BackupError::Invalid(format!(
                "{} holds no complete backup snapshot",
                backup.describe()
            ))
        })?,
    };
    let bytes = match read_all(backup, &manifest_key(&id)).await {
        Ok(b) => b,
        Err(BackupError::Media(MediaError::NotFound)) => {
            return Err(BackupError::Invalid(format!(
                "no complete snapshot {id:?} in {}",
                backup.describe()
            )))
        }
        Err(e) => return Err(e),
    };
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        BackupError::Invalid(format!(
            "snapshot {id:?}: manifest.json is not readable: {e}"
        ))
    })?;
    if m.format != MANIFEST_FORMAT {
        return Err(BackupError::Invalid(format!(
            "snapshot {id:?} is not a Twincast deployment backup (format {:?})",
            m.format
        )));
    }
    Ok(m)
}

async fn read_all(storage: &Storage, key: &str) -> BackupResult<Vec<u8>> {
    use futures::StreamExt;
    let mut s = storage.get(key, None).await?;
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// A sortable, readable snapshot id from an instant: `20261201T153012.345Z`.
fn snapshot_id(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y%m%dT%H%M%S.%3fZ").to_string(),
        Err(_) => format!("{ms:013}"),
    }
}

/// Backs up the deployment (`store` + its object store `storage`) into `backup`: the database from one snapshot,
/// then every object that snapshot refers to which the backup store does not hold yet, then the dump, then the
/// manifest. `tmp` is a local directory for the dump and the copies in flight. Fails, naming them, if objects the
/// rows refer to are missing from the deployment or differ from their recorded hash.
pub async fn create(
    store: &Store,
    storage: &Storage,
    backup: &Storage,
    tmp: &Path,
) -> BackupResult<CreateReport> {
    tokio::fs::create_dir_all(tmp).await?;
    let created_at = twincast_store::now_ms();
    let id = snapshot_id(created_at);
    let dump = copy::TempPath(tmp.join(format!("backup-{}.jsonl", twincast_store::new_id())));
    let rows = {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&dump.0)?);
        let n = store.backup(&mut out).await?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        n
    };
    let referenced = referenced_in_dump(&dump.0)?;
    let previous: BTreeMap<String, ObjectEntry> = match snapshots(backup).await?.pop() {
        Some(last) => manifest(backup, Some(&last))
            .await?
            .objects
            .into_iter()
            .map(|o| (o.key.clone(), o))
            .collect(),
        None => BTreeMap::new(),
    };
    let mut objects = Vec::with_capacity(referenced.len());
    let mut problems = Vec::new();
    let (mut copied, mut copied_bytes) = (0, 0);
    for (key, (sha, size)) in &referenced {
        let bkey = backup_object_key(key);
        if backup.size(&bkey).await? == Some(*size) {
            let known = previous
                .get(key)
                .filter(|p| p.size == *size)
                .map(|p| p.sha256.clone())
                .or_else(|| sha.clone());
            let sha256 = match known {
                Some(h) => h,
                // in the backup store but in no manifest (an interrupted backup): hash what is there
                None => match hash_object(backup, &bkey).await? {
                    Some((h, _)) => h,
                    None => continue,
                },
            };
            objects.push(ObjectEntry {
                key: key.clone(),
                sha256,
                size: *size,
            });
            continue;
        }
        match copy_checked(storage, key, backup, &bkey, tmp, sha.as_deref(), *size).await? {
            Copied::Done(sha256) => {
                copied += 1;
                copied_bytes += size;
                objects.push(ObjectEntry {
                    key: key.clone(),
                    sha256,
                    size: *size,
                });
            }
            Copied::Problem(problem) => problems.push(ObjectProblem {
                key: key.clone(),
                problem,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(BackupError::Objects(problems));
    }
    let (database_sha256, _) = copy::hash_file(&dump.0).await?;
    backup.put_file(&database_key(&id), &dump.0).await?;
    let m = Manifest {
        format: MANIFEST_FORMAT.into(),
        snapshot: id.clone(),
        created_at,
        rows,
        database_sha256,
        objects,
    };
    let body = serde_json::to_vec_pretty(&m).map_err(|e| BackupError::Invalid(e.to_string()))?;
    backup.put_bytes(&manifest_key(&id), body.into()).await?;
    Ok(CreateReport {
        snapshot: id,
        rows,
        objects: m.objects.len(),
        copied,
        copied_bytes,
    })
}

/// The objects a dump's `media` and `renditions` rows refer to: key → (recorded SHA-256, size).
fn referenced_in_dump(path: &Path) -> BackupResult<BTreeMap<String, (Option<String>, u64)>> {
    use std::io::BufRead;
    let mut out: BTreeMap<String, (Option<String>, u64)> = BTreeMap::new();
    let f = std::io::BufReader::new(std::fs::File::open(path)?);
    for line in f.lines().skip(1) {
        let line = line?;
        if !(line.contains("\"table\":\"media\"") || line.contains("\"table\":\"renditions\"")) {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| BackupError::Invalid(e.to_string()))?;
        let row = &v["row"];
        let Some(key) = row["object_key"].as_str() else {
            continue;
        };
        let size = row["size"].as_i64().unwrap_or(0).max(0) as u64;
        let sha = if v["table"] == "media" {
            row["sha256"].as_str().map(str::to_ascii_lowercase)
        } else {
            None
        };
        let e = out.entry(key.to_string()).or_insert((None, size));
        if e.0.is_none() {
            e.0 = sha;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_ids_sort_by_time() {
        let a = snapshot_id(1_764_600_000_000);
        let b = snapshot_id(1_764_600_000_001);
        assert_eq!(a, "20251201T144000.000Z");
        assert!(a < b);
    }
}
