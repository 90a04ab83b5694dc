//! `twincast backup create|restore|verify|list`: whole-deployment backups (database + referenced objects) into a
//! directory or an S3 bucket (`twincast_app::backup`). `twincast db backup|restore` stay the database-only dump.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use twincast_app::backup;
use twincast_media::Storage;
use twincast_server::config::Config;

#[derive(Subcommand)]
pub enum BackupCmd {
    /// Backs up the database (online, one consistent snapshot) and every object its rows refer to into a backup
    /// store; objects already there are not copied again. Prints the new snapshot's id.
    Create {
        /// Backup store: a directory, file:///DIR, or s3://BUCKET?endpoint=…&region=…&access_key_id=…&secret_access_key=…
        #[arg(long, env = "TWINCAST_BACKUP_URL")]
        to: String,
    },
    /// Restores a snapshot onto this deployment's database and object store, which must be empty; then checks that
    /// every object a row refers to is present with its hash.
    Restore {
        /// Backup store (as for `create`).
        #[arg(long, env = "TWINCAST_BACKUP_URL")]
        from: String,
        /// Snapshot id (default: the newest complete one).
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// Without --from: checks that every object this deployment's rows refer to is present with its hash. With
    /// --from: checks a snapshot of a backup store (its dump and every object, with their hashes).
    Verify {
        /// Backup store to check instead of the deployment.
        #[arg(long)]
        from: Option<String>,
        /// Snapshot id (default: the newest complete one).
        #[arg(long)]
        snapshot: Option<String>,
    },
    /// Lists the complete snapshots of a backup store, oldest first.
    List {
        /// Backup store (as for `create`).
        #[arg(long, env = "TWINCAST_BACKUP_URL")]
        from: String,
    },
}

/// A backup store's URL: `s3://…` and `file://…` as they are, anything else a local directory.
pub fn store_url(s: &str) -> Result<String> {
    if s.starts_with("s3://") || s.starts_with("file://") {
        return Ok(s.to_string());
    }
    let p = std::path::absolute(s).with_context(|| format!("backup directory {s:?}"))?;
    let p = p.to_str().unwrap_or_default();
    if p.is_empty() || p.contains(['#', '?', '%']) {
        bail!("backup directory {s:?}: use a path without '#', '?' or '%', or a file:// URL");
    }
    Ok(format!("file://{p}"))
}

async fn open_backup(s: &str, c: &Config) -> Result<Storage> {
    let url = store_url(s)?;
    let st = Storage::open(&url, &c.data_dir)
        .await
        .with_context(|| "opening the backup store")?;
    st.create_bucket_if_missing()
        .await
        .with_context(|| format!("backup store {}", st.describe()))?;
    Ok(st)
}

async fn deployment(c: &Config) -> Result<(twincast_store::Store, Storage)> {
    std::fs::create_dir_all(&c.data_dir)
        .with_context(|| format!("cannot create {}", c.data_dir.display()))?;
    let store = twincast_store::Store::connect(&c.database_url()).await?;
    let storage = Storage::open(&c.storage_url, &c.data_dir)
        .await
        .with_context(|| "opening the object store")?;
    Ok((store, storage))
}

pub async fn run(c: Config, cmd: BackupCmd) -> Result<()> {
    let tmp = c.tmp_dir().join("backup");
    match cmd {
        BackupCmd::Create { to } => {
            let (store, storage) = deployment(&c).await?;
            let dest = open_backup(&to, &c).await?;
            let r = backup::create(&store, &storage, &dest, &tmp).await?;
            println!(
                "snapshot {} in {}: {} rows, {} objects ({} copied now, {} bytes; {} already there)",
                r.snapshot,
                dest.describe(),
                r.rows,
                r.objects,
                r.copied,
                r.copied_bytes,
                r.objects - r.copied
            );
        }
        BackupCmd::Restore { from, snapshot } => {
            let (store, storage) = deployment(&c).await?;
            storage.create_bucket_if_missing().await?;
            let src = open_backup(&from, &c).await?;
            let r = backup::restore(&store, &storage, &src, snapshot.as_deref(), &tmp).await?;
            println!(
                "restored snapshot {} into {}: {} rows, {} objects ({} copied); {} referenced objects verified",
                r.snapshot,
                storage.describe(),
                r.rows,
                r.objects,
                r.copied,
                r.verified
            );
        }
        BackupCmd::Verify {
            from: Some(from),
            snapshot,
        } => {
            let src = open_backup(&from, &c).await?;
            let m = backup::verify_backup(&src, snapshot.as_deref()).await?;
            println!(
                "snapshot {} is complete: {} rows, {} objects present with their hashes",
                m.snapshot,
                m.rows,
                m.objects.len()
            );
        }
        BackupCmd::Verify {
            from: None,
            snapshot: Some(_),
        } => bail!("--snapshot needs --from"),
        BackupCmd::Verify {
            from: None,
            snapshot: None,
        } => {
            let (store, storage) = deployment(&c).await?;
            let n = backup::verify_deployment(&store, &storage, None).await?;
            println!(
                "all {n} objects the database refers to are present in {}",
                storage.describe()
            );
        }
        BackupCmd::List { from } => {
            let src = open_backup(&from, &c).await?;
            for id in backup::snapshots(&src).await? {
                println!("{id}");
            }
        }
    }
    Ok(())
}
