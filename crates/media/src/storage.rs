//! One object-store abstraction: the local filesystem (default) or an S3-compatible server.
//!
//! Keys are `/`-separated segments of `[A-Za-z0-9._-]` (no empty, `.` or `..` segment), so a key maps to the
//! same file under the local root whether it goes through `object_store` or our fast paths.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::MediaError;

mod s3;

/// Files up to this size go to S3 in one PUT; bigger ones as a multipart upload of parts this size.
const MULTIPART_PART: u64 = 16 * 1024 * 1024;
/// How many multipart parts are in flight at once (bounds memory to `MULTIPART_PART * this`).
const MULTIPART_CONCURRENCY: usize = 4;
/// Chunk size of local reads served by [`Storage::get`] (each chunk is a slice of the object's mapping).
const LOCAL_CHUNK: u64 = 1024 * 1024;

/// A handle on the configured object store. Cheap to clone.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ObjectStore>,
    backend: Backend,
    /// Local objects mapped into memory (key → mapping): delivery hands slices of the mapping to the socket without
    /// opening the file or copying its bytes on each request. Evicted on every write or delete of the key.
    open_files: std::sync::Mutex<std::collections::HashMap<String, Arc<Mapped>>>,
}

/// A local object mapped read-only. Sound because local objects are never written in place: every put writes a
/// temporary file and renames it over the key (or links a finished spool file), and a delete unlinks it, which
/// leaves an existing mapping valid until it is dropped.
struct Mapped {
    map: Option<memmap2::Mmap>,
    len: u64,
}

impl Mapped {
    #[allow(unsafe_code)]
    fn open(file: &std::fs::File, len: u64) -> std::io::Result<Mapped> {
        // A zero-length file cannot be mapped (and has nothing to serve).
        let map = if len == 0 {
            None
        } else {
            // SAFETY: see the type's documentation: the file is never modified while mapped.
            Some(unsafe { memmap2::Mmap::map(file)? })
        };
        Ok(Mapped { map, len })
    }
}

/// A range of a mapped object, owned (a `Bytes` over it keeps the mapping alive).
struct MappedSlice {
    obj: Arc<Mapped>,
    start: usize,
    end: usize,
}

impl AsRef<[u8]> for MappedSlice {
    fn as_ref(&self) -> &[u8] {
        match &self.obj.map {
            Some(m) => &m[self.start..self.end],
            None => &[],
        }
    }
}

/// Most local file handles kept open for delivery.
const OPEN_FILES_MAX: usize = 512;

enum Backend {
    Local {
        root: PathBuf,
    },
    S3 {
        bucket: String,
        endpoint: String,
        region: String,
        signed: bool,
        s3: Box<AmazonS3>,
        /// Signs the URLs clients are redirected to: at `public_endpoint` when the storage URL names one.
        public: Box<AmazonS3>,
        /// Where clients reach the store (`public_endpoint`, else `endpoint`).
        public_endpoint: String,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Storage").field(&self.describe()).finish()
    }
}

fn storage_err(msg: impl Into<String>) -> MediaError {
    MediaError::Storage(msg.into())
}

/// Check a key and turn it into an object-store path.
fn key_path(key: &str) -> Result<ObjPath, MediaError> {
    let ok = !key.is_empty()
        && key.len() <= 1024
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if !ok {
        return Err(storage_err(format!("invalid object key {key:?}")));
    }
    ObjPath::parse(key).map_err(|e| storage_err(format!("invalid object key {key:?}: {e}")))
}

impl Storage {
    /// Open the store described by `url`.
    ///
    /// - `""` → local filesystem under `data_dir/objects` (created if missing);
    /// - `file:///abs/dir` → local filesystem under that directory (created if missing);
    /// - `s3://BUCKET?endpoint=http://127.0.0.1:8333&region=us-east-1&access_key_id=ID&secret_access_key=SECRET`
    ///   → S3-compatible server, path-style requests, plain HTTP allowed. `region` defaults to `us-east-1`;
    ///   without `access_key_id`/`secret_access_key` requests are sent unsigned (anonymous); without `endpoint`
    ///   the AWS endpoint for the region is used.
    ///
    /// Any other scheme, a path after the bucket, or an unknown query parameter is a [`MediaError::Storage`].
    pub async fn open(url: &str, data_dir: &Path) -> Result<Storage, MediaError> {
        let url = url.trim();
        if url.is_empty() {
            return Self::local(data_dir.join("objects")).await;
        }
        let parsed = url::Url::parse(url)
            .map_err(|e| storage_err(format!("storage URL is not a URL: {e}")))?;
        match parsed.scheme() {
            "file" => {
                if parsed.query().is_some() || parsed.host_str().is_some_and(|h| !h.is_empty()) {
                    return Err(storage_err("file:// storage URL takes no host or query: use file:///abs/dir"));
                }
                let dir = parsed
                    .to_file_path()
                    .map_err(|_| storage_err("file:// storage URL must hold an absolute path"))?;
                Self::local(dir).await
            }
            "s3" => Self::s3(&parsed),
            other => Err(storage_err(format!(
                "unknown storage scheme {other:?}: use \"\", file:///abs/dir or s3://bucket?endpoint=..."
            ))),
        }
    }

    async fn local(root: PathBuf) -> Result<Storage, MediaError> {
        tokio::fs::create_dir_all(&root).await?;
        let root = tokio::fs::canonicalize(&root).await?;
        let store = LocalFileSystem::new_with_prefix(&root)?.with_automatic_cleanup(true);
        Ok(Storage {
            inner: Arc::new(Inner {
                open_files: Default::default(),
                store: Arc::new(store),
                backend: Backend::Local { root },
            }),
        })
    }

    fn s3(url: &url::Url) -> Result<Storage, MediaError> {
        let bucket = url.host_str().unwrap_or_default().to_string();
        if bucket.is_empty() {
            return Err(storage_err(
                "s3:// storage URL needs a bucket: s3://BUCKET?endpoint=...",
            ));
        }
        if !matches!(url.path(), "" | "/") {
            return Err(storage_err(
                "s3:// storage URL takes no path after the bucket (prefixes are not supported)",
            ));
        }
        let (mut endpoint, mut region, mut key_id, mut secret) = (None, None, None, None);
        let mut public_endpoint = None;
        for (k, v) in url.query_pairs() {
            let slot = match k.as_ref() {
                "endpoint" => &mut endpoint,
                "public_endpoint" => &mut public_endpoint,
                "region" => &mut region,
                "access_key_id" => &mut key_id,
                "secret_access_key" => &mut secret,
                other => {
                    return Err(storage_err(format!(
                        "unknown s3 storage URL parameter {other:?} (known: endpoint, public_endpoint, region, access_key_id, secret_access_key)"
                    )))
                }
            };
            if slot.replace(v.into_owned()).is_some() {
                return Err(storage_err(format!(
                    "s3 storage URL parameter {k:?} given twice"
                )));
            }
        }
        let region = region.unwrap_or_else(|| "us-east-1".to_string());
        let endpoint = endpoint.map(|e| e.trim_end_matches('/').to_string());
        let public_endpoint = public_endpoint.map(|e| e.trim_end_matches('/').to_string());
        for e in endpoint.iter().chain(&public_endpoint) {
            let u = url::Url::parse(e)
                .map_err(|err| storage_err(format!("s3 endpoint is not a URL: {err}")))?;
            if !matches!(u.scheme(), "http" | "https") {
                return Err(storage_err("s3 endpoint must be http:// or https://"));
            }
        }
        let mut b = AmazonS3Builder::new()
            // client options first: setting them replaces the allow_http set below
            .with_client_options(
                object_store::ClientOptions::new().with_connect_timeout(Duration::from_secs(5)),
            )
            .with_bucket_name(&bucket)
            .with_region(&region)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            // fail in seconds, not minutes, when the server is down (readiness, uploads)
            .with_retry(object_store::RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..Default::default()
            });
        if let Some(e) = &endpoint {
            b = b.with_endpoint(e);
        }
        match (&key_id, &secret) {
            (Some(k), Some(s)) => b = b.with_access_key_id(k).with_secret_access_key(s),
            (None, None) => b = b.with_skip_signature(true),
            _ => {
                return Err(storage_err(
                    "s3 storage URL needs both access_key_id and secret_access_key, or neither",
                ))
            }
        }
        let s3 = b.build()?;
        let endpoint = endpoint.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let public_endpoint = public_endpoint.unwrap_or_else(|| endpoint.clone());
        let public = AmazonS3Builder::new()
            .with_bucket_name(&bucket)
            .with_region(&region)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(false)
            .with_endpoint(&public_endpoint)
            .with_credentials(s3.credentials().clone())
            .build()?;
        Ok(Storage {
            inner: Arc::new(Inner {
                open_files: Default::default(),
                store: Arc::new(s3.clone()),
                backend: Backend::S3 {
                    bucket,
                    endpoint,
                    region,
                    signed: key_id.is_some(),
                    s3: Box::new(s3),
                    public: Box::new(public),
                    public_endpoint,
                },
            }),
        })
    }

    /// A description for logs and status pages, without secrets: `local:/path` or `s3:bucket@endpoint`.
    pub fn describe(&self) -> String {
        match &self.inner.backend {
            Backend::Local { root } => format!("local:{}", root.display()),
            Backend::S3 {
                bucket, endpoint, ..
            } => format!("s3:{bucket}@{endpoint}"),
        }
    }

    /// The local root directory, if this is a local store (for `sendfile`-style fast paths and tests).
    pub fn local_root(&self) -> Option<&Path> {
        match &self.inner.backend {
            Backend::Local { root } => Some(root),
            Backend::S3 { .. } => None,
        }
    }

    /// Store the content of a local file under `key`, replacing any object there; returns its size.
    ///
    /// Atomic: readers see the old object or the complete new one, never a partial one. Local stores copy
    /// into a staging file (`key#digits`, hidden from [`Storage::list`]), fsync it and rename it; S3 uses one
    /// PUT up to 16 MiB and a multipart upload (completed only at the end, aborted on error) above.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<u64, MediaError> {
        self.put_file_inner(key, path, false).await
    }

    /// Store a finished upload under its content-addressed key ([`crate::object_key`]) and return the key.
    ///
    /// If an object of the same size is already there (same content, by hash) nothing is written. On a local
    /// store on the same filesystem as the temp file, the file is hard-linked rather than copied.
    pub async fn put_ingested(&self, ing: &crate::Ingested) -> Result<String, MediaError> {
        let key = crate::object_key(&ing.sha256, ing.media_type);
        if self.size(&key).await? == Some(ing.size) {
            return Ok(key);
        }
        self.put_file_inner(&key, &ing.path, true).await?;
        Ok(key)
    }

    async fn put_file_inner(
        &self,
        key: &str,
        path: &Path,
        may_link: bool,
    ) -> Result<u64, MediaError> {
        let loc = key_path(key)?;
        self.forget_open(key);
        let size = tokio::fs::metadata(path).await?.len();
        match &self.inner.backend {
            Backend::Local { root } => {
                let dest = root.join(key);
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                let mut staging = dest.clone().into_os_string();
                staging.push(format!("#{}", rand_digits()));
                let staging = PathBuf::from(staging);
                let src = path.to_path_buf();
                let result = tokio::task::spawn_blocking({
                    let staging = staging.clone();
                    move || -> std::io::Result<()> {
                        if !(may_link && std::fs::hard_link(&src, &staging).is_ok()) {
                            std::fs::copy(&src, &staging)?;
                        }
                        std::fs::File::open(&staging)?.sync_all()?;
                        std::fs::rename(&staging, &dest)?;
                        if let Some(parent) = dest.parent() {
                            std::fs::File::open(parent)?.sync_all()?;
                        }
                        Ok(())
                    }
                })
                .await
                .map_err(|e| storage_err(format!("copy task failed: {e}")))?;
                if let Err(e) = result {
                    let _ = tokio::fs::remove_file(&staging).await;
                    return Err(e.into());
                }
                Ok(size)
            }
            Backend::S3 { .. } => {
                let store = &self.inner.store;
                if size <= MULTIPART_PART {
                    let data = tokio::fs::read(path).await?;
                    store.put(&loc, PutPayload::from(data)).await?;
                    return Ok(size);
                }
                let upload = store.put_multipart(&loc).await?;
                let mut w = WriteMultipart::new_with_chunk_size(upload, MULTIPART_PART as usize);
                let res: Result<(), MediaError> = async {
                    use tokio::io::AsyncReadExt;
                    let mut f = tokio::fs::File::open(path).await?;
                    let mut sent = 0u64;
                    loop {
                        w.wait_for_capacity(MULTIPART_CONCURRENCY).await?;
                        let mut buf = Vec::with_capacity(MULTIPART_PART as usize);
                        let n = (&mut f).take(MULTIPART_PART).read_to_end(&mut buf).await?;
                        if n == 0 {
                            break;
                        }
                        sent += n as u64;
                        w.put(Bytes::from(buf));
                    }
                    if sent != size {
                        return Err(storage_err(format!(
                            "{} changed size while uploading",
                            path.display()
                        )));
                    }
                    Ok(())
                }
                .await;
                match res {
                    Ok(()) => {
                        w.finish().await?;
                        Ok(size)
                    }
                    Err(e) => {
                        let _ = w.abort().await;
                        Err(e)
                    }
                }
            }
        }
    }

    /// Store `bytes` under `key` (atomic, like [`Storage::put_file`]); for small objects (thumbnails, playlists).
    pub async fn put_bytes(&self, key: &str, bytes: Bytes) -> Result<(), MediaError> {
        let loc = key_path(key)?;
        self.forget_open(key);
        self.inner.store.put(&loc, PutPayload::from(bytes)).await?;
        Ok(())
    }

    fn forget_open(&self, key: &str) {
        if let Ok(mut m) = self.inner.open_files.lock() {
            m.remove(key);
        }
    }

    /// The size of the object, or `None` if there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, MediaError> {
        let loc = key_path(key)?;
        if let Backend::Local { root } = &self.inner.backend {
            return match tokio::fs::metadata(root.join(key)).await {
                Ok(m) if m.is_file() => Ok(Some(m.len())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            };
        }
        match self.inner.store.head(&loc).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Stream the bytes `[start, end)` of an object (`None` = all of it).
    ///
    /// The range must lie within the object (`start <= end <= size`), else [`MediaError::Storage`]; a missing
    /// object is [`MediaError::NotFound`], reported here rather than in the stream. Local objects are read in
    /// 512 KiB `pread`s on the blocking pool, one allocation per chunk.
    pub async fn get(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, MediaError>>, MediaError> {
        let loc = key_path(key)?;
        if let Some(r) = &range {
            if r.start > r.end {
                return Err(storage_err(format!("invalid range {}..{}", r.start, r.end)));
            }
        }
        match &self.inner.backend {
            Backend::Local { root } => {
                let cached = self
                    .inner
                    .open_files
                    .lock()
                    .ok()
                    .and_then(|m| m.get(key).cloned());
                let obj = match cached {
                    Some(obj) => obj,
                    None => {
                        let path = root.join(key);
                        let opened = tokio::task::spawn_blocking(move || {
                            let f = std::fs::File::open(path)?;
                            let meta = f.metadata()?;
                            if !meta.is_file() {
                                // a key prefix (directory) is not an object
                                return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
                            }
                            Mapped::open(&f, meta.len())
                        })
                        .await
                        .map_err(|e| storage_err(format!("open task failed: {e}")))?;
                        let obj = match opened {
                            Ok(o) => Arc::new(o),
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                                return Err(MediaError::NotFound)
                            }
                            Err(e) => return Err(e.into()),
                        };
                        if let Ok(mut m) = self.inner.open_files.lock() {
                            if m.len() >= OPEN_FILES_MAX {
                                m.clear();
                            }
                            m.insert(key.to_string(), obj.clone());
                        }
                        obj
                    }
                };
                let r = range.unwrap_or(0..obj.len);
                if r.end > obj.len {
                    return Err(storage_err(format!(
                        "range {}..{} beyond object size {}",
                        r.start, r.end, obj.len
                    )));
                }
                Ok(local_stream(obj, r))
            }
            Backend::S3 { .. } => {
                if range.as_ref().is_some_and(|r| r.start == r.end) {
                    // S3 cannot express an empty range; check existence and answer nothing
                    return match self.size(key).await? {
                        Some(n) if range.as_ref().is_some_and(|r| r.end <= n) => {
                            Ok(futures::stream::empty().boxed())
                        }
                        Some(n) => Err(storage_err(format!("range beyond object size {n}"))),
                        None => Err(MediaError::NotFound),
                    };
                }
                let opts = GetOptions::new().with_range(range.clone().map(GetRange::Bounded));
                let res = self.inner.store.get_opts(&loc, opts).await?;
                if let Some(r) = &range {
                    if res.range != *r {
                        return Err(storage_err(format!(
                            "range {}..{} beyond object size {}",
                            r.start, r.end, res.meta.size
                        )));
                    }
                }
                Ok(res.into_stream().map_err(MediaError::from).boxed())
            }
        }
    }

    /// Delete the object; deleting a missing object is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        let loc = key_path(key)?;
        self.forget_open(key);
        match self.inner.store.delete(&loc).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the staging files (`KEY#digits`) that a local put interrupted by a crash left behind, and
    /// returns how many. Listings do not show them, so orphan collection alone never would. Call at start-up,
    /// before anything writes. (S3 multipart uploads that never finished are the bucket's lifecycle rules' job.)
    pub async fn remove_stale_staging(&self) -> Result<u64, MediaError> {
        let Backend::Local { root } = &self.inner.backend else {
            return Ok(0);
        };
        let root = root.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<u64> {
            let mut removed = 0;
            let mut dirs = vec![root];
            while let Some(dir) = dirs.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                for e in entries {
                    let e = e?;
                    let ty = e.file_type()?;
                    if ty.is_dir() {
                        dirs.push(e.path());
                    } else if e.file_name().to_string_lossy().contains('#') {
                        std::fs::remove_file(e.path())?;
                        removed += 1;
                    }
                }
            }
            Ok(removed)
        })
        .await
        .map_err(|e| storage_err(format!("staging cleanup task failed: {e}")))?
        .map_err(Into::into)
    }

    /// Every key under `prefix`, sorted. The prefix is matched by whole segments: `media/ab` lists
    /// `media/ab/...`, not `media/abc...`; `""` lists everything.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, MediaError> {
        let prefix = prefix.trim_end_matches('/');
        let p = if prefix.is_empty() {
            None
        } else {
            Some(key_path(prefix)?)
        };
        let mut keys: Vec<String> = self
            .inner
            .store
            .list(p.as_ref())
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await?;
        keys.sort();
        Ok(keys)
    }

    /// Readiness probe: the local root is a writable directory, or the bucket answers a listing.
    pub async fn check(&self) -> Result<(), MediaError> {
        match &self.inner.backend {
            Backend::Local { root } => {
                let m = tokio::fs::metadata(root).await?;
                if !m.is_dir() || m.permissions().readonly() {
                    return Err(storage_err(format!(
                        "{} is not a writable directory",
                        root.display()
                    )));
                }
                Ok(())
            }
            Backend::S3 { .. } => {
                let p = ObjPath::from("_readyz");
                tokio::time::timeout(
                    Duration::from_secs(10),
                    self.inner.store.list_with_delimiter(Some(&p)),
                )
                .await
                .map_err(|_| storage_err("S3 did not answer within 10 s"))??;
                Ok(())
            }
        }
    }
}

fn rand_digits() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0 >> 1
}

/// Stream `range` of a mapped object in [`LOCAL_CHUNK`] slices of its mapping: no read into a buffer, no hop to
/// the blocking pool; the socket write copies from the page cache. Each slice is announced to the kernel
/// (`MADV_WILLNEED`) as it is handed out, so a file not in the page cache is read ahead instead of faulted in
/// page by page.
fn local_stream(
    obj: Arc<Mapped>,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, MediaError>> {
    futures::stream::iter(
        (range.start..range.end)
            .step_by(LOCAL_CHUNK as usize)
            .map(move |pos| {
                let end = (pos + LOCAL_CHUNK).min(range.end);
                if let Some(m) = &obj.map {
                    let _ = m.advise_range(
                        memmap2::Advice::WillNeed,
                        pos as usize,
                        (end - pos) as usize,
                    );
                }
                Ok(Bytes::from_owner(MappedSlice {
                    obj: obj.clone(),
                    start: pos as usize,
                    end: end as usize,
                }))
            }),
    )
    .boxed()
}
