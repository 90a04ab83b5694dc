//! Reports per partner end to end: a report exported as CSV and Parquet, signed (minisign) and consistent with
//! a signed checkpoint, verified offline and read back by independent readers (pyarrow, the `minisign` tool);
//! a changed row of the file or a changed play in the database is detected. Retention: old days compacted into
//! Parquet files in object storage whose hashes are leaves of the log, the rows gone from the hot table, the
//! same report and its verification across the compacted days; a changed play stops the compaction.

use crate::common::*;
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::process::Command;
use twincast_app::reports::files;
use twincast_core::proof::verify::LogKey;
use twincast_core::proof::{NoteVerifier, PlayRecord};
use twincast_core::report::minisign;
use twincast_core::report::verify::{verify_report, ReportProof};
use twincast_store::Role;

// 2026-11-30T10:00:00Z
const T: i64 = 1_796_032_800_000;
const DAY: i64 = 86_400_000;

fn rec(
    n: usize,
    partner: &str,
    screen: &str,
    loc: &str,
    at: i64,
    ms: i64,
    counted: bool,
) -> PlayRecord {
    PlayRecord {
        v: 1,
        reference: twincast_store::new_id(),
        event: format!("r{n}-{at}"),
        screen: screen.into(),
        location: loc.into(),
        device: None,
        partner: Some(partner.into()),
        campaign: Some(format!("camp-{partner}")),
        item: Some("i1".into()),
        alert: None,
        media: None,
        started_at: at,
        utc_offset_s: 3600,
        planned_ms: Some(10_000),
        actual_ms: ms,
        policy: "count-v1".into(),
        counted,
        reason: (!counted).then(|| "cut-short".to_string()),
        received_at: at + ms,
        batch: None,
    }
}

/// Plays of `pa` and `pb` on two screens at `at`: pa 3 on screen 0 (2 counted), pb 1 on screen 0, pa 1 on
/// screen 1.
fn day_of_plays(ids: &[String], loc: &str, at: i64) -> Vec<PlayRecord> {
    vec![
        rec(1, "pa", &ids[0], loc, at, 10_000, true),
        rec(2, "pa", &ids[0], loc, at + 20_000, 10_100, true),
        rec(3, "pa", &ids[0], loc, at + 40_000, 3_000, false),
        rec(4, "pb", &ids[0], loc, at + 60_000, 30_000, true),
        rec(5, "pa", &ids[1], loc, at + 90_000, 10_000, true),
    ]
}

fn require(what: &str) {
    assert_ne!(
        std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
        Ok("1"),
        "{what} is required when TWINCAST_TEST_REQUIRE_SERVICES=1"
    );
    eprintln!("DID NOT RUN: the {what} check ({what} missing)");
}

async fn setup() -> (TestServer, Session, Vec<String>, String) {
    let s = match std::env::var("TWINCAST_TEST_S3_URL") {
        Ok(url) => {
            let s = TestServer::with(|c| c.storage_url = url.clone()).await;
            s.state.storage.create_bucket_if_missing().await.unwrap();
            s
        }
        Err(_) => TestServer::start().await,
    };
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let loc = s
        .state
        .store
        .play_context(&ids[0], &BTreeSet::new())
        .await
        .unwrap()
        .location_id;
    (s, admin, ids, loc)
}

async fn bytes(res: reqwest::Response) -> Vec<u8> {
    assert_eq!(res.status(), StatusCode::OK);
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn reports_are_signed_verified_and_read_by_other_tools() {
    let (s, admin, ids, loc) = setup().await;
    let editor = s.user("editor-a", Role::PartnerEditor, &["pa"]).await;
    s.state
        .store
        .append_plays("none", None, &day_of_plays(&ids, &loc, T), T)
        .await
        .unwrap();
    let q = "from=2026-11-30&to=2026-11-30";

    // A partner-editor reads its partner's report, not another's; bad periods are refused.
    assert_eq!(
        editor
            .get(&format!("/api/v1/proof/reports/pa?{q}"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_problem(
        editor.get(&format!("/api/v1/proof/reports/pb?{q}")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        admin
            .get("/api/v1/proof/reports/pa?from=2026-12-30&to=2026-11-30")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-report-period",
    )
    .await;
    assert_problem(
        admin
            .get("/api/v1/proof/reports/pa?from=2026-11-31&to=2026-11-30")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-report-period",
    )
    .await;
    assert_problem(
        admin
            .get(&format!("/api/v1/proof/reports/nobody?{q}"))
            .await,
        StatusCode::NOT_FOUND,
        "partner-not-found",
    )
    .await;

    // The Parquet export, its signature and evidence at the checkpoint it names.
    let res = admin
        .get(&format!("/api/v1/proof/reports/pa?{q}&format=parquet"))
        .await;
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.apache.parquet"
    );
    let size: u64 = res.headers()["twincast-checkpoint-size"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(size, 5);
    let parquet = bytes(res).await;
    let at = format!("{q}&size={size}");
    let psig = String::from_utf8(
        bytes(
            admin
                .get(&format!(
                    "/api/v1/proof/reports/pa/minisig?{at}&format=parquet"
                ))
                .await,
        )
        .await,
    )
    .unwrap();
    let csv = bytes(admin.get(&format!("/api/v1/proof/reports/pa?{at}")).await).await;
    let csig = String::from_utf8(
        bytes(
            admin
                .get(&format!("/api/v1/proof/reports/pa/minisig?{at}"))
                .await,
        )
        .await,
    )
    .unwrap();
    let proof: ReportProof = admin
        .get(&format!("/api/v1/proof/reports/pa/proof?{at}"))
        .await
        .json()
        .await
        .unwrap();
    let pubkey = String::from_utf8(
        bytes(
            reqwest::Client::new()
                .get(s.url("/api/v1/proof/report-key"))
                .send()
                .await
                .unwrap(),
        )
        .await,
    )
    .unwrap();
    let lk: LogKey = reqwest::Client::new()
        .get(s.url("/api/v1/proof/key"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // The minisign key is the log's key.
    let (_, pk) = minisign::parse_public_key(&pubkey).unwrap();
    assert_eq!(pk, NoteVerifier::parse(&lk.vkey).unwrap().key);
    for (file, sig) in [(&parquet, &psig), (&csv, &csig)] {
        assert!(minisign::verify(&pk, file, sig)
            .unwrap()
            .starts_with("twincast report partner=pa"));
        let f = files::read_report(file).unwrap();
        assert_eq!(
            (f.size, f.root.as_str()),
            (5, proof.checkpoint.root.as_str())
        );
        let v = verify_report(&lk.vkey, &f.rows, (f.size, &f.root), &proof, None).unwrap();
        assert_eq!((v.plays, v.rows), (4, 2));
        let r0 = &f.rows[0];
        assert_eq!(
            (
                r0.screen.as_str(),
                r0.plays,
                r0.counted_plays,
                r0.airtime_ms
            ),
            (ids[0].as_str(), 3, 2, 20_100)
        );
        assert_eq!(
            (
                r0.location_name.as_str(),
                r0.location_kind.as_str(),
                r0.screen_airtime_ms
            ),
            ("Metro 1", "metro", 50_100)
        );
        assert!((r0.share - 20_100.0 / 50_100.0).abs() < 1e-12);
    }
    assert_eq!(
        files::read_report(&parquet).unwrap().rows,
        files::read_report(&csv).unwrap().rows
    );

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.parquet"), &parquet).unwrap();
    std::fs::write(d.join("r.parquet.minisig"), &psig).unwrap();
    std::fs::write(d.join("r.csv"), &csv).unwrap();
    std::fs::write(d.join("r.csv.minisig"), &csig).unwrap();
    std::fs::write(d.join("key.pub"), &pubkey).unwrap();
    // pyarrow, an independent Parquet reader, sees the same rows and the checkpoint in the metadata.
    let py = "import sys, pyarrow.parquet as pq\nt = pq.read_table(sys.argv[1])\nm = pq.read_metadata(sys.argv[1]).metadata\n\
print(t.num_rows, sum(t.column('airtime_ms').to_pylist()), t.column('location_kind')[0], m[b'twincast.checkpoint.size'].decode())";
    match Command::new("python3")
        .args(["-c", py, &d.join("r.parquet").display().to_string()])
        .output()
    {
        Ok(o) if o.status.success() => {
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "2 30100 metro 5");
        }
        Ok(o) if String::from_utf8_lossy(&o.stderr).contains("No module named 'pyarrow'") => {
            require("pyarrow")
        }
        other => panic!("python3 with pyarrow: {other:?}"),
    }
    // The minisign tool checks the signatures with the published key.
    let mini = |file: &str| {
        Command::new("minisign")
            .args(["-V", "-p"])
            .arg(d.join("key.pub"))
            .arg("-m")
            .arg(d.join(file))
            .output()
    };
    match mini("r.parquet") {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert!(mini("r.csv").unwrap().status.success());
        }
        Err(_) => require("minisign"),
    }

    // One row of the exported file changed: the signature no longer matches (minisign agrees).
    let text = String::from_utf8(csv.clone()).unwrap();
    let changed = text.replacen(",20100,", ",90100,", 1);
    assert_ne!(changed, text);
    assert!(minisign::verify(&pk, changed.as_bytes(), &csig).is_err());
    std::fs::write(d.join("r.csv"), &changed).unwrap();
    if let Ok(o) = mini("r.csv") {
        assert!(!o.status.success());
    }

    // One play changed in the database: the report the server now gives no longer matches the log.
    sqlx::query("UPDATE plays SET ended_at = ended_at + 5000 WHERE ref = $1")
        .bind(proof_ref(&proof, 0))
        .execute(s.state.store.pool())
        .await
        .unwrap();
    let csv2 = bytes(admin.get(&format!("/api/v1/proof/reports/pa?{at}")).await).await;
    let proof2: ReportProof = admin
        .get(&format!("/api/v1/proof/reports/pa/proof?{at}"))
        .await
        .json()
        .await
        .unwrap();
    let f2 = files::read_report(&csv2).unwrap();
    let e = verify_report(&lk.vkey, &f2.rows, (f2.size, &f2.root), &proof2, None).unwrap_err();
    assert!(e.contains("not leaves of the log"), "{e}");
    // And compaction refuses to archive it.
    let e = s
        .state
        .app
        .compact_plays(T + 10 * DAY, 5)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "play-log-mismatch");
}

fn proof_ref(p: &ReportProof, i: usize) -> String {
    let r: PlayRecord = serde_json::from_str(&p.plays[i].record).unwrap();
    r.reference
}

#[tokio::test]
async fn retention_compacts_old_days_without_losing_proof() {
    let (s, admin, ids, loc) = setup().await;
    let lk: LogKey = reqwest::Client::new()
        .get(s.url("/api/v1/proof/key"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Three days of plays: two old ones to compact and today's.
    for d in 0..3 {
        let mut plays = day_of_plays(&ids, &loc, T + d * DAY);
        for p in &mut plays {
            p.event = format!("{}-{d}", p.event);
        }
        s.state
            .store
            .append_plays("none", None, &plays, T)
            .await
            .unwrap();
    }
    let q = "from=2026-11-30&to=2026-12-02";
    let before =
        files::read_report(&bytes(admin.get(&format!("/api/v1/proof/reports/pa?{q}")).await).await)
            .unwrap();
    assert_eq!(before.rows.len(), 6);
    let count = |s: &TestServer| {
        let pool = s.state.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM plays")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&s).await, 15);

    // Compact everything that started before the third day.
    let made = s
        .state
        .app
        .compact_plays(T - 10 * 3_600_000 + 2 * DAY, 10)
        .await
        .unwrap();
    assert_eq!(
        made.iter()
            .map(|a| (a.day.as_str(), a.plays))
            .collect::<Vec<_>>(),
        vec![("2026-11-30", 5), ("2026-12-01", 5)]
    );
    assert_eq!(count(&s).await, 5, "the compacted days left the hot table");
    // Each archive is a leaf of the log, after the plays it holds; the file in storage has the logged hash.
    assert_eq!(s.state.store.log_size().await.unwrap(), 17);
    for a in &made {
        assert!(a.log_index as u64 >= 15 && a.last_index < a.log_index);
        let got = s.state.storage.size(&a.object_key).await.unwrap();
        assert_eq!(got, Some(a.bytes as u64));
    }
    // Nothing left to compact: a second run makes nothing.
    assert!(s
        .state
        .app
        .compact_plays(T - 10 * 3_600_000 + 2 * DAY, 10)
        .await
        .unwrap()
        .is_empty());

    // The same report across compacted days, at a new checkpoint, and it verifies.
    let res = admin.get(&format!("/api/v1/proof/reports/pa?{q}")).await;
    let size: u64 = res.headers()["twincast-checkpoint-size"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(size, 17);
    let after = files::read_report(&bytes(res).await).unwrap();
    assert_eq!(after.rows, before.rows);
    let proof: ReportProof = admin
        .get(&format!("/api/v1/proof/reports/pa/proof?{q}&size={size}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(proof.plays.len(), 12);
    verify_report(
        &lk.vkey,
        &after.rows,
        (after.size, &after.root),
        &proof,
        None,
    )
    .unwrap();

    // An archive file changed in storage is noticed when a report reads it.
    let a = &made[0];
    s.state
        .storage
        .put_bytes(
            &a.object_key,
            bytes::Bytes::from_static(b"PAR1 not the archive"),
        )
        .await
        .unwrap();
    let res = admin.get(&format!("/api/v1/proof/reports/pa?{q}")).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
