//! Rate limits shared by every node (`app::limits`): two `App`s over one database (two nodes) count one address's
//! expressions of interest together, a sliding minute lets them through again, and another address has its own.

use std::net::IpAddr;
use twincast_app::{App, AppError, ManualClock, Settings};
use twincast_store::Store;

#[tokio::test]
async fn nodes_share_the_expressions_of_interest_limit() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let clock = ManualClock::new(1_800_000_000_000);
    let settings = || Settings {
        interests_per_minute: 3,
        ..Settings::default()
    };
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let store = Store::connect(&url).await.unwrap();
        let storage = twincast_media::Storage::open("", &dir.path().join(name))
            .await
            .unwrap();
        nodes.push(App::new(store, storage, settings()).with_clock(clock.clone()));
    }
    let ip: IpAddr = "198.51.100.7".parse().unwrap();
    // Three tries, spread over both nodes, use the minute up; the fourth is refused by either node.
    for (i, node) in [0, 1, 0].iter().enumerate() {
        assert!(nodes[*node].interest_allowed(ip).await.is_ok(), "try {i}");
    }
    for node in &nodes {
        match node.interest_allowed(ip).await {
            Err(AppError::TooManyRequests { code, .. }) => assert_eq!(code, "too-many-interests"),
            other => panic!("a fourth try within the minute must be refused: {other:?}"),
        }
    }
    let other: IpAddr = "198.51.100.8".parse().unwrap();
    assert!(
        nodes[1].interest_allowed(other).await.is_ok(),
        "another address has its own quota"
    );
    // Two minutes on, the window holds nothing of these tries.
    clock.advance(120_000);
    assert!(nodes[1].interest_allowed(ip).await.is_ok());
}
