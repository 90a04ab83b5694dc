//! Restore of a deployment backup onto an empty deployment, and the two verifications: of a backup store's
//! snapshot, and of a deployment (every object its rows refer to present, with its hash).

use super::copy::{copy_checked, hash_file, hash_object, mismatch, Copied, TempPath};
use super::{
    backup_object_key, database_key, manifest, BackupError, BackupResult, Manifest, ObjectProblem,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use twincast_media::Storage;
use twincast_store::Store;

/// What [`restore`] did.
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    /// The snapshot restored.
    pub snapshot: String,
    /// Database rows restored.
    pub rows: u64,
    /// Objects the snapshot holds.
    pub objects: usize,
    /// Of those, copied into the deployment's object store (the others were there with their hash already).
    pub copied: usize,
    /// Objects checked present with their hash after the restore (every object a restored row refers to).
    pub verified: usize,
}

/// Restores `snapshot` (`None`: the newest) of `backup` onto the deployment `store` + `storage`, which must be
/// empty (no partners, no accounts). Order: the target is checked empty, the dump's hash is checked, every object
/// is copied into `storage` with its hash checked (nothing of the database is written if one is missing or
/// damaged: they are all named), then the rows are restored in one transaction, then every object a restored
/// row refers to is verified in `storage`.
pub async fn restore(
    store: &Store,
    storage: &Storage,
    backup: &Storage,
    snapshot: Option<&str>,
    tmp: &Path,
) -> BackupResult<RestoreReport> {
    tokio::fs::create_dir_all(tmp).await?;
    let m = manifest(backup, snapshot).await?;
    store.check_restorable().await?;
    let dump = TempPath(tmp.join(format!("restore-{}.jsonl", twincast_store::new_id())));
    match copy_to_file(backup, &database_key(&m.snapshot), &dump.0).await? {
        Some(()) => {}
        None => {
            return Err(BackupError::Invalid(format!(
                "snapshot {}: database.jsonl is missing",
                m.snapshot
            )))
        }
    }
    let (sha, _) = hash_file(&dump.0).await?;
    if sha != m.database_sha256 {
        return Err(BackupError::Invalid(format!(
            "snapshot {}: database.jsonl has sha256 {sha}, the manifest says {}",
            m.snapshot, m.database_sha256
        )));
    }
    let mut problems = Vec::new();
    let mut copied = 0;
    for o in &m.objects {
        if let Some((h, n)) = hash_object(storage, &o.key).await? {
            if mismatch(Some(&o.sha256), o.size, &h, n).is_none() {
                continue;
            }
        }
        let bkey = backup_object_key(&o.key);
        match copy_checked(backup, &bkey, storage, &o.key, tmp, Some(&o.sha256), o.size).await? {
            Copied::Done(_) => copied += 1,
            Copied::Problem(p) => problems.push(ObjectProblem {
                key: o.key.clone(),
                problem: format!("in the backup: {p}"),
            }),
        }
    }
    if !problems.is_empty() {
        return Err(BackupError::Objects(problems));
    }
    let input = std::io::BufReader::new(std::fs::File::open(&dump.0)?);
    let rows = store.restore(input).await?;
    let verified = verify_deployment(store, storage, Some(&m)).await?;
    Ok(RestoreReport {
        snapshot: m.snapshot.clone(),
        rows,
        objects: m.objects.len(),
        copied,
        verified,
    })
}

async fn copy_to_file(storage: &Storage, key: &str, to: &Path) -> BackupResult<Option<()>> {
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;
    let mut s = match storage.get(key, None).await {
        Ok(s) => s,
        Err(twincast_media::MediaError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut f = tokio::fs::File::create(to).await?;
    while let Some(chunk) = s.next().await {
        f.write_all(&chunk?).await?;
    }
    f.flush().await?;
    Ok(Some(()))
}

/// Checks that every object a row of `store` refers to is in `storage` with its size and hash (the media's
/// recorded SHA-256; for renditions the hash `manifest` recorded, else the size alone). Returns how many were
/// checked, or every problem by name.
pub async fn verify_deployment(
    store: &Store,
    storage: &Storage,
    manifest: Option<&Manifest>,
) -> BackupResult<usize> {
    let recorded: HashMap<&str, &str> = manifest
        .map(|m| {
            m.objects
                .iter()
                .map(|o| (o.key.as_str(), o.sha256.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let refs = store.referenced_objects().await?;
    let mut problems = Vec::new();
    for r in &refs {
        let want = r
            .sha256
            .as_deref()
            .or_else(|| recorded.get(r.key.as_str()).copied());
        let problem = match hash_object(storage, &r.key).await? {
            None => Some("missing".to_string()),
            Some((h, n)) => mismatch(want, r.size.max(0) as u64, &h, n),
        };
        if let Some(problem) = problem {
            problems.push(ObjectProblem {
                key: r.key.clone(),
                problem,
            });
        }
    }
    if problems.is_empty() {
        Ok(refs.len())
    } else {
        Err(BackupError::Objects(problems))
    }
}

/// Checks a snapshot of a backup store: the dump's hash and every object with its hash and size. Returns the
/// manifest, or every problem by name.
pub async fn verify_backup(backup: &Storage, snapshot: Option<&str>) -> BackupResult<Manifest> {
    let m = manifest(backup, snapshot).await?;
    let mut problems = Vec::new();
    match hash_object(backup, &database_key(&m.snapshot)).await? {
        None => problems.push(ObjectProblem {
            key: database_key(&m.snapshot),
            problem: "missing".into(),
        }),
        Some((h, _)) if h != m.database_sha256 => problems.push(ObjectProblem {
            key: database_key(&m.snapshot),
            problem: format!("sha256 is {h}, expected {}", m.database_sha256),
        }),
        Some(_) => {}
    }
    for o in &m.objects {
        let problem = match hash_object(backup, &backup_object_key(&o.key)).await? {
            None => Some("missing".to_string()),
            Some((h, n)) => mismatch(Some(&o.sha256), o.size, &h, n),
        };
        if let Some(problem) = problem {
            problems.push(ObjectProblem {
                key: o.key.clone(),
                problem,
            });
        }
    }
    if problems.is_empty() {
        Ok(m)
    } else {
        Err(BackupError::Objects(problems))
    }
}
