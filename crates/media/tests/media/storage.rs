//! One contract for every storage backend: local filesystem and a real S3-compatible server.

use bytes::Bytes;
use futures::TryStreamExt;
use twincast_media::{MediaError, Storage};

use crate::common::{services_required, sha256_hex};

const S3_ENV: &str = "TWINCAST_TEST_S3_URL";

/// The S3 store under test, with its bucket created if missing; `None` (and a notice) when not configured.
async fn s3_store(test: &str) -> Option<Storage> {
    let url = match std::env::var(S3_ENV) {
        Ok(u) if !u.trim().is_empty() => u,
        _ => {
            assert!(
                !services_required(),
                "{test}: {S3_ENV} is not set but TWINCAST_TEST_REQUIRE_SERVICES=1"
            );
            crate::common::not_run(&format!(
                "{test}: DID NOT RUN ({S3_ENV} not set; see crates/media/README.md)"
            ));
            return None;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(&url, dir.path())
        .await
        .expect("open S3 storage");
    s.create_bucket_if_missing()
        .await
        .expect("create the test bucket");
    s.check().await.expect("S3 storage ready");
    Some(s)
}

async fn read_all(
    s: &Storage,
    key: &str,
    range: Option<std::ops::Range<u64>>,
) -> Result<Vec<u8>, MediaError> {
    let chunks: Vec<Bytes> = s.get(key, range).await?.try_collect().await?;
    Ok(chunks.concat())
}

/// A unique prefix so runs against a shared bucket do not see each other.
fn run_prefix() -> String {
    format!("test-{}", uuid::Uuid::new_v4().simple())
}

/// The contract every backend must meet.
#[allow(clippy::reversed_empty_ranges)] // a reversed range is one of the bad inputs
async fn contract(s: &Storage) {
    let p = run_prefix();
    s.check().await.unwrap();

    // absent objects
    let missing = format!("{p}/missing.bin");
    assert_eq!(s.size(&missing).await.unwrap(), None);
    assert!(matches!(
        s.get(&missing, None).await,
        Err(MediaError::NotFound)
    ));
    s.delete(&missing)
        .await
        .expect("deleting a missing object is fine");

    // small objects and ranges
    let key = format!("{p}/small/hello.txt");
    s.put_bytes(&key, Bytes::from_static(b"hello, sister cities"))
        .await
        .unwrap();
    assert_eq!(s.size(&key).await.unwrap(), Some(20));
    assert_eq!(
        read_all(s, &key, None).await.unwrap(),
        b"hello, sister cities"
    );
    assert_eq!(read_all(s, &key, Some(7..13)).await.unwrap(), b"sister");
    assert_eq!(read_all(s, &key, Some(19..20)).await.unwrap(), b"s");
    assert_eq!(read_all(s, &key, Some(5..5)).await.unwrap(), b"");
    let dir_key = format!("{p}/small");
    assert!(
        matches!(s.get(&dir_key, None).await, Err(MediaError::NotFound)),
        "a prefix is not an object"
    );
    assert_eq!(s.size(&dir_key).await.unwrap(), None);
    assert!(
        matches!(s.get(&key, Some(10..21)).await, Err(MediaError::Storage(_))),
        "range past the end"
    );
    assert!(
        matches!(s.get(&key, Some(5..3)).await, Err(MediaError::Storage(_))),
        "reversed range"
    );

    // overwrite replaces
    s.put_bytes(&key, Bytes::from_static(b"v2")).await.unwrap();
    assert_eq!(read_all(s, &key, None).await.unwrap(), b"v2");

    // a big file: multipart on S3 (> 16 MiB), chunked reads locally; content and ranges intact
    let tmp = tempfile::tempdir().unwrap();
    let big_path = tmp.path().join("big.bin");
    let big: Vec<u8> = (0..(20 * 1024 * 1024 + 12345u32))
        .map(|i| (i ^ (i >> 11) ^ (i >> 19)) as u8)
        .collect();
    std::fs::write(&big_path, &big).unwrap();
    let big_key = format!("{p}/big/big.bin");
    assert_eq!(
        s.put_file(&big_key, &big_path).await.unwrap(),
        big.len() as u64
    );
    assert_eq!(s.size(&big_key).await.unwrap(), Some(big.len() as u64));
    let got = read_all(s, &big_key, None).await.unwrap();
    assert_eq!(got.len(), big.len());
    assert_eq!(sha256_hex(&got), sha256_hex(&big));
    let r = 5_000_000u64..17_000_001u64;
    assert_eq!(
        read_all(s, &big_key, Some(r.clone())).await.unwrap(),
        &big[r.start as usize..r.end as usize]
    );

    // a small file goes through put_file too
    let small_path = tmp.path().join("small.bin");
    std::fs::write(&small_path, b"tiny").unwrap();
    let small_key = format!("{p}/small/tiny.bin");
    assert_eq!(s.put_file(&small_key, &small_path).await.unwrap(), 4);
    assert!(matches!(
        s.put_file(&small_key, &tmp.path().join("nope")).await,
        Err(MediaError::Io(_))
    ));
    assert_eq!(
        read_all(s, &small_key, None).await.unwrap(),
        b"tiny",
        "failed put leaves the old object"
    );

    // content-addressed upload: stored once, survives the temp file, identical bytes
    let ing = twincast_media::Ingested::from_file(
        &crate::common::fixture("h264.mp4"),
        tmp.path(),
        1 << 20,
    )
    .await
    .unwrap();
    let media_key = s.put_ingested(&ing).await.unwrap();
    assert_eq!(
        media_key,
        twincast_media::object_key(&ing.sha256, ing.media_type)
    );
    assert_eq!(
        s.put_ingested(&ing).await.unwrap(),
        media_key,
        "second upload of the same content"
    );
    let (sha, temp) = (ing.sha256.clone(), ing.path.clone());
    drop(ing);
    assert!(!temp.exists());
    assert_eq!(
        sha256_hex(&read_all(s, &media_key, None).await.unwrap()),
        sha
    );
    s.delete(&media_key).await.unwrap();
    // A deleted object is gone for readers too (no stale open handle is served).
    assert!(matches!(
        s.get(&media_key, None).await,
        Err(MediaError::NotFound)
    ));
    // Replaced content is read fresh after a read of the old one.
    let rk = format!("{p}/replaced");
    s.put_bytes(&rk, Bytes::from_static(b"old content"))
        .await
        .unwrap();
    assert_eq!(read_all(s, &rk, None).await.unwrap(), b"old content");
    s.put_bytes(&rk, Bytes::from_static(b"new")).await.unwrap();
    assert_eq!(read_all(s, &rk, None).await.unwrap(), b"new");
    s.delete(&rk).await.unwrap();

    // listing by whole segments, no staging files
    s.put_bytes(&format!("{p}/smaller/x"), Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(
        s.list(&format!("{p}/small")).await.unwrap(),
        vec![key.clone(), small_key.clone()]
    );
    assert_eq!(
        s.list(&format!("{p}/small/")).await.unwrap(),
        vec![key.clone(), small_key.clone()]
    );
    assert_eq!(s.list(&p).await.unwrap().len(), 4);
    assert!(s.list("").await.unwrap().contains(&big_key));

    // deletion
    for k in s.list(&p).await.unwrap() {
        s.delete(&k).await.unwrap();
    }
    assert_eq!(s.size(&big_key).await.unwrap(), None);
    assert!(s.list(&p).await.unwrap().is_empty());

    // keys that could escape the root or differ between backends are refused
    for bad in [
        "", "/abs", "../x", "a/../b", "a//b", "a/./b", "a b", "a\\b", "a/", "k\u{e9}y", "a#1",
        "a\nb",
    ] {
        assert!(
            matches!(
                s.put_bytes(bad, Bytes::from_static(b"x")).await,
                Err(MediaError::Storage(_))
            ),
            "key {bad:?} should be refused"
        );
        assert!(
            matches!(s.get(bad, None).await, Err(MediaError::Storage(_))),
            "get {bad:?}"
        );
    }
}

#[tokio::test]
async fn local_contract() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open("", dir.path()).await.unwrap();
    let root = dir.path().join("objects").canonicalize().unwrap();
    assert_eq!(s.describe(), format!("local:{}", root.display()));
    contract(&s).await;
    // the same store through a file:// URL
    let url = format!("file://{}", dir.path().join("other").display());
    let s2 = Storage::open(&url, dir.path()).await.unwrap();
    contract(&s2).await;
    assert!(dir.path().join("other").is_dir());
}

/// A put killed between writing its staging file and the rename leaves `KEY#digits`, which listings do not show:
/// start-up recovery removes it with `remove_stale_staging`, and only it.
#[tokio::test]
async fn stale_staging_files_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open("", dir.path()).await.unwrap();
    s.put_bytes("media/ab/cd/kept.png", Bytes::from_static(b"png"))
        .await
        .unwrap();
    let root = dir.path().join("objects");
    let staging = root.join("media/ab/cd/lost.png#12345");
    std::fs::write(&staging, b"half").unwrap();
    let deep = root.join("renditions/ef/gh/x.mp4#9");
    std::fs::create_dir_all(deep.parent().unwrap()).unwrap();
    std::fs::write(&deep, b"half").unwrap();
    assert!(!s
        .list("media")
        .await
        .unwrap()
        .iter()
        .any(|k| k.contains('#')));
    assert_eq!(s.remove_stale_staging().await.unwrap(), 2);
    assert!(!staging.exists() && !deep.exists());
    assert_eq!(s.list("media").await.unwrap(), vec!["media/ab/cd/kept.png"]);
    assert_eq!(s.remove_stale_staging().await.unwrap(), 0);
}

#[tokio::test]
async fn local_keys_stay_under_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open("", dir.path()).await.unwrap();
    s.put_bytes("media/ab/cd/x.png", Bytes::from_static(b"png"))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("objects/media/ab/cd/x.png")).unwrap(),
        b"png"
    );
    assert!(s
        .put_bytes("../escape", Bytes::from_static(b"x"))
        .await
        .is_err());
    assert!(!dir.path().join("escape").exists());
}

#[tokio::test]
async fn s3_contract() {
    let Some(s) = s3_store("s3_contract").await else {
        return;
    };
    assert!(s.describe().starts_with("s3:"));
    contract(&s).await;
}

#[tokio::test]
async fn s3_describe_hides_secrets_and_missing_bucket_is_not_ready() {
    let Some(_) = s3_store("s3_describe_hides_secrets_and_missing_bucket_is_not_ready").await
    else {
        return;
    };
    let url = std::env::var(S3_ENV).unwrap();
    let parsed = url::Url::parse(&url).unwrap();
    let secret = parsed
        .query_pairs()
        .find(|(k, _)| k == "secret_access_key")
        .map(|(_, v)| v.into_owned());
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(&url, dir.path()).await.unwrap();
    if let Some(secret) = secret {
        assert!(!s.describe().contains(&secret));
        assert!(!format!("{s:?}").contains(&secret));
    }
    // the same server, a bucket that does not exist: not ready
    let mut other = parsed.clone();
    other
        .set_host(Some(&format!(
            "missing-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )))
        .unwrap();
    let missing = Storage::open(other.as_str(), dir.path()).await.unwrap();
    assert!(
        missing.check().await.is_err(),
        "a missing bucket must fail the readiness check"
    );
}

#[tokio::test]
async fn unreachable_s3_is_not_ready() {
    // nothing listens on port 9 of loopback: the readiness probe fails (quickly, with few retries)
    let dir = tempfile::tempdir().unwrap();
    let s = Storage::open(
        "s3://nobucket?endpoint=http://127.0.0.1:9&access_key_id=a&secret_access_key=b",
        dir.path(),
    )
    .await
    .unwrap();
    assert_eq!(s.describe(), "s3:nobucket@http://127.0.0.1:9");
    match s.check().await {
        // a connection failure, not a client misconfiguration (e.g. plain HTTP refused)
        Err(MediaError::Storage(m)) => assert!(!m.contains("builder error"), "{m}"),
        other => panic!("expected a storage error, got {other:?}"),
    }
    assert!(matches!(s.size("k").await, Err(MediaError::Storage(_))));
}

#[tokio::test]
async fn bad_urls_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ftp://host/x", "unknown storage scheme"),
        ("not a url", "not a URL"),
        ("s3://", "bucket"),
        ("s3://b/prefix", "no path"),
        (
            "s3://b?endpoint=http://h&colour=blue",
            "unknown s3 storage URL parameter \"colour\"",
        ),
        (
            "s3://b?endpoint=http://h&access_key_id=a",
            "both access_key_id and secret_access_key",
        ),
        ("s3://b?endpoint=ftp://h", "http:// or https://"),
        ("s3://b?region=a&region=b", "given twice"),
        ("file://host/dir", "no host"),
    ];
    for (url, want) in cases {
        match Storage::open(url, dir.path()).await {
            Err(MediaError::Storage(msg)) => {
                assert!(msg.contains(want), "{url}: {msg:?} should contain {want:?}")
            }
            Err(other) => panic!("{url}: expected Storage error, got {other:?}"),
            Ok(s) => panic!("{url}: expected an error, opened {}", s.describe()),
        }
    }
}
