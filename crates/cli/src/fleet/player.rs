//! One simulated player: holds its WebSocket, fetches the manifest when told, sends heartbeats and proof of
//! play, answers pings; reconnects with backoff and jitter.

use super::sim::{Ctx, Shared};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use futures::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use twincast_protocol::{
    Command, CommandOutcome, CommandResult, Heartbeat, Item, PlayBatch, PlayBatchAnswer, PlayEvent,
    PlayUpload, PlayerMessage, Push, SignedPlayBatch, SignedPlays,
};

/// One player's manifest state, readable by the change measurement.
#[derive(Default)]
pub(super) struct Holding {
    /// ETag of the manifest held.
    pub(super) etag: Option<String>,
    body: Option<bytes::Bytes>,
    /// Whether `body` is gzip-encoded.
    gzip: bool,
    /// The items of `body`, once read.
    items: Option<Arc<Vec<Item>>>,
    /// When the current manifest arrived.
    pub(super) at: Option<Instant>,
}

/// A simulated device's Ed25519 key and the sequence number of its signed batches.
pub(super) struct DeviceKey {
    device: String,
    key: ed25519_dalek::SigningKey,
    seq: std::sync::atomic::AtomicU64,
}

impl DeviceKey {
    /// The key of device `device`.
    pub(super) fn new(device: String, key: ed25519_dalek::SigningKey) -> DeviceKey {
        DeviceKey {
            device,
            key,
            seq: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Signs a batch. Sequence numbers start at the current epoch ms, so a new run of the simulator with the same
    /// provisioned devices still sends numbers above those of the last run.
    pub(super) fn sign(&self, events: Vec<PlayEvent>) -> SignedPlayBatch {
        use ed25519_dalek::Signer;
        let now = twincast_store::now_ms().max(0) as u64;
        let prev = self
            .seq
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some(s.saturating_add(1).max(now))
            })
            .unwrap_or(0);
        let seq = prev.saturating_add(1).max(now);
        let payload = serde_json::to_vec(&SignedPlays {
            device: self.device.clone(),
            seq,
            events,
        })
        .expect("a batch always serializes");
        let signature = self
            .key
            .sign(&twincast_core::proof::record::batch_message(&payload));
        SignedPlayBatch {
            payload: B64.encode(&payload),
            signature: B64.encode(signature.to_bytes()),
        }
    }
}

/// The key `fleet provision` registers for a device token (and the simulator signs with): derived from the token.
pub(super) fn provisioned_key(token: &str) -> ed25519_dalek::SigningKey {
    use sha2::{Digest, Sha256};
    let seed: [u8; 32] =
        Sha256::digest(format!("twincast fleet-sim device key\n{token}").as_bytes()).into();
    ed25519_dalek::SigningKey::from_bytes(&seed)
}

/// A simulated player.
pub(super) struct Player {
    /// Its number in the fleet.
    pub(super) n: usize,
    /// Device token.
    pub(super) token: String,
    /// Its signing key when it registered one (then its proof-of-play batches are signed).
    pub(super) signer: Option<DeviceKey>,
    /// The manifest it holds.
    pub(super) holding: Mutex<Holding>,
}

fn jitter(d: Duration) -> Duration {
    let f: f64 = rand::random_range(0.5..1.5);
    d.mul_f64(f)
}

/// One player: connect, hold, fetch on change, report; reconnect on loss until the fleet stops. Returns once its
/// last reports are answered (so the fleet's counts are whole when every player has returned).
pub(super) async fn run_player(ctx: Arc<Ctx>, p: Arc<Player>) {
    let mut reports = Reports::default();
    hold(ctx, p, &mut reports).await;
    reports.finish().await;
}

async fn hold(ctx: Arc<Ctx>, p: Arc<Player>, reports: &mut Reports) {
    let mut attempt: u32 = 0;
    let mut first = true;
    // Spread the periodic work over the periods so 10,000 players do not all report at once.
    let mut next_heartbeat = Instant::now() + ctx.heartbeat.mul_f64(rand::random_range(0.0..1.0));
    let mut next_plays = Instant::now() + ctx.plays.mul_f64(rand::random_range(0.0..1.0));
    while !ctx.shared.stopped() {
        let url = format!("{}/api/v1/player/ws?token={}", ctx.ws_base, p.token);
        let t = Instant::now();
        let conn = {
            let _slot = ctx.connect_slots.acquire().await;
            if ctx.shared.stopped() {
                return;
            }
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(4 * 1024)
                .write_buffer_size(0)
                .max_message_size(Some(1 << 20));
            tokio::time::timeout(
                Duration::from_secs(30),
                tokio_tungstenite::connect_async_with_config(url, Some(config), true),
            )
            .await
        };
        let mut ws = match conn {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                let kind = match &e {
                    tokio_tungstenite::tungstenite::Error::Http(r) => {
                        format!("ws-http-{}", r.status().as_u16())
                    }
                    _ => "ws-connect".to_string(),
                };
                let fatal = kind == "ws-http-401";
                ctx.shared.error(kind);
                if fatal {
                    return;
                }
                backoff(&ctx, &mut attempt).await;
                continue;
            }
            Err(_) => {
                ctx.shared.error("ws-connect-timeout");
                backoff(&ctx, &mut attempt).await;
                continue;
            }
        };
        if !first {
            ctx.shared.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        let up_since = Instant::now();
        let mut saw_hello = false;
        ctx.shared.open_now.fetch_add(1, Ordering::AcqRel);

        let close_code = loop {
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => match serde_json::from_str::<Push>(&text) {
                        Ok(Push::Hello { etag, .. }) => {
                            if !saw_hello {
                                saw_hello = true;
                                Shared::sample(&ctx.shared.connect, t);
                                if first {
                                    ctx.shared.ever_connected.fetch_add(1, Ordering::AcqRel);
                                }
                            }
                            fetch_if_changed(&ctx, &p, etag.as_deref(), first).await;
                            first = false;
                        }
                        Ok(Push::ManifestChanged { etag, .. } | Push::Alert { etag, .. }) => {
                            fetch_if_changed(&ctx, &p, Some(&etag), false).await;
                        }
                        Ok(Push::Command { id, command, .. }) => {
                            // A simulated player has no pixels and no cache: a reload refetches the manifest,
                            // a screenshot fails, the rest are done.
                            let result = match command {
                                Command::Reload => {
                                    fetch_if_changed(&ctx, &p, None, false).await;
                                    CommandResult { status: CommandOutcome::Done, result: Some("manifest fetched".into()), error: None }
                                }
                                Command::Screenshot => CommandResult { status: CommandOutcome::Failed, result: None, error: Some("fleet-sim has no screen".into()) },
                                Command::Identify | Command::ClearCache => CommandResult { status: CommandOutcome::Done, result: Some("simulated".into()), error: None },
                            };
                            let answer = PlayerMessage::CommandResult { id, result };
                            let text = serde_json::to_string(&answer).unwrap_or_default();
                            if ws.send(Message::Text(text.into())).await.is_err() {
                                break None;
                            }
                        }
                        Ok(Push::Ping { server_time }) => {
                            let pong = PlayerMessage::Pong { server_time: Some(server_time) };
                            let text = serde_json::to_string(&pong).unwrap_or_default();
                            if ws.send(Message::Text(text.into())).await.is_err() {
                                break None;
                            }
                        }
                        Ok(Push::Revoked { .. }) => ctx.shared.error("revoked"),
                        Err(_) => ctx.shared.error("ws-message-unreadable"),
                    },
                    Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break None,
                },
                _ = tokio::time::sleep_until(next_heartbeat.min(next_plays).into()) => {
                    let now = Instant::now();
                    if now >= next_heartbeat {
                        next_heartbeat = now + ctx.heartbeat;
                        let (ctx, p) = (ctx.clone(), p.clone());
                        reports.start(0, async move { heartbeat(&ctx, &p).await });
                    }
                    if now >= next_plays {
                        next_plays = now + ctx.plays;
                        let (ctx, p) = (ctx.clone(), p.clone());
                        reports.start(1, async move { report_plays(&ctx, &p).await });
                    }
                }
                _ = ctx.shared.stop_notify.notified() => {
                    let _ = ws.close(None).await;
                    ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
                    return;
                }
            }
            if ctx.shared.stopped() {
                let _ = ws.close(None).await;
                ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
                return;
            }
        };
        ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
        if close_code == Some(4401) {
            return;
        }
        ctx.shared.error("ws-lost");
        if up_since.elapsed() > Duration::from_secs(30) {
            attempt = 0;
        }
        backoff(&ctx, &mut attempt).await;
    }
}

/// A player's heartbeat and proof-of-play requests, each sent beside the socket (as the browser player's `fetch`es
/// are): a push that arrives while a report waits for an answer is handled at once, not after it. At most one of
/// each kind is out at a time; a period that comes while the last one is still out is skipped.
#[derive(Default)]
struct Reports([Option<tokio::task::JoinHandle<()>>; 2]);

impl Reports {
    /// Sends report `kind` (0 heartbeat, 1 proof of play) unless the last one of that kind is still out.
    fn start(
        &mut self,
        kind: usize,
        report: impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let slot = &mut self.0[kind];
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        *slot = Some(tokio::spawn(report));
    }
}

impl Reports {
    /// Waits for the reports still out.
    async fn finish(self) {
        for h in self.0.into_iter().flatten() {
            let _ = h.await;
        }
    }
}

async fn backoff(ctx: &Ctx, attempt: &mut u32) {
    let wait = jitter(Duration::from_secs(1) * 2u32.saturating_pow((*attempt).min(6)))
        .min(Duration::from_secs(60));
    *attempt = attempt.saturating_add(1);
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = ctx.shared.stop_notify.notified() => {}
    }
}

/// Fetches the manifest unless the player already holds `announced`; as the player does, a fetch that failed for
/// want of an answer (no connection, 429, 5xx: an overloaded or restarting server) is tried again after a jittered
/// back-off, until it succeeds or the fleet stops. Each failure is counted.
async fn fetch_if_changed(ctx: &Ctx, p: &Player, announced: Option<&str>, first: bool) {
    let mut attempt = 0;
    while !fetch_once(ctx, p, announced, first).await && !ctx.shared.stopped() {
        backoff(ctx, &mut attempt).await;
    }
}

/// One fetch; false when it should be tried again.
async fn fetch_once(ctx: &Ctx, p: &Player, announced: Option<&str>, first: bool) -> bool {
    let held = p.holding.lock().ok().and_then(|h| h.etag.clone());
    if announced.is_some() && held.as_deref() == announced {
        return true;
    }
    let _slot = ctx.manifest_slots.acquire().await;
    let t = Instant::now();
    // Like a browser, ask for gzip; the body is kept as received and decoded only when read.
    let mut req = ctx
        .http
        .get(format!("{}/api/v1/player/manifest", ctx.base))
        .header(reqwest::header::ACCEPT_ENCODING, "gzip")
        .bearer_auth(&p.token);
    if let Some(e) = &held {
        req = req.header(reqwest::header::IF_NONE_MATCH, e.as_str());
    }
    let res = match req.send().await {
        Ok(r) => r,
        Err(_) => {
            ctx.shared.error("manifest-request");
            return false;
        }
    };
    match res.status().as_u16() {
        200 => {
            let gzip = res
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
            let etag = res
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            match res.bytes().await {
                Ok(body) => {
                    Shared::sample(&ctx.shared.manifest, t);
                    ctx.shared
                        .manifests_received
                        .fetch_add(1, Ordering::Relaxed);
                    ctx.shared
                        .manifest_bytes
                        .fetch_add(body.len() as u64, Ordering::Relaxed);
                    let was_holding = {
                        let Ok(mut h) = p.holding.lock() else {
                            return true;
                        };
                        let was = h.etag.is_some();
                        h.etag = etag;
                        h.body = Some(body);
                        h.gzip = gzip;
                        h.items = None;
                        h.at = Some(Instant::now());
                        was
                    };
                    if !was_holding {
                        ctx.shared.holding.fetch_add(1, Ordering::AcqRel);
                    }
                    ctx.shared.progress.notify_waiters();
                    true
                }
                Err(_) => {
                    ctx.shared.error("manifest-body");
                    false
                }
            }
        }
        304 => {
            Shared::sample(&ctx.shared.manifest, t);
            ctx.shared.not_modified.fetch_add(1, Ordering::Relaxed);
            if first {
                ctx.shared.progress.notify_waiters();
            }
            true
        }
        s => {
            ctx.shared.error(format!("manifest-http-{s}"));
            !(s == 429 || s >= 500)
        }
    }
}

async fn heartbeat(ctx: &Ctx, p: &Player) {
    let etag = p.holding.lock().ok().and_then(|h| h.etag.clone());
    let _slot = ctx.http_slots.acquire().await;
    if ctx.shared.stopped() {
        return;
    }
    let t = Instant::now();
    let res = ctx
        .http
        .post(format!("{}/api/v1/player/heartbeat", ctx.base))
        .bearer_auth(&p.token)
        .json(&Heartbeat {
            player_version: Some("fleet-sim".into()),
            manifest_etag: etag,
            storage_free_bytes: Some(1 << 30),
            device_time: Some(twincast_store::now_ms()),
            ..Heartbeat::default()
        })
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Shared::sample(&ctx.shared.heartbeat, t),
        Ok(r) => ctx
            .shared
            .error(format!("heartbeat-http-{}", r.status().as_u16())),
        Err(_) => ctx.shared.error("heartbeat-request"),
    }
}

/// The `items` of a manifest body, read from its start only (the play sequence after them is the bulk, and a
/// gzip body is decompressed only as far as needed).
fn manifest_items(body: &[u8], gzip: bool) -> Option<Vec<Item>> {
    if gzip {
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(body));
        twincast_protocol::manifest::read_items(reader).ok()
    } else {
        twincast_protocol::manifest::read_items_from_slice(body).ok()
    }
}

/// Sends one proof-of-play event per item of the manifest (up to 5), as if each had just played.
async fn report_plays(ctx: &Ctx, p: &Player) {
    let held = p
        .holding
        .lock()
        .ok()
        .and_then(|h| h.body.clone().map(|b| (b, h.gzip, h.items.clone())));
    let Some((body, gzip, items)) = held else {
        return;
    };
    let items = match items {
        Some(i) => i,
        None => {
            let Some(m) = manifest_items(&body, gzip) else {
                ctx.shared.error("manifest-unreadable");
                return;
            };
            let items = Arc::new(m);
            if let Ok(mut h) = p.holding.lock() {
                if h.body.as_ref().map(|b| b.as_ptr()) == Some(body.as_ptr()) {
                    h.items = Some(items.clone());
                }
            }
            items
        }
    };
    if items.is_empty() {
        return;
    }
    let now = twincast_store::now_ms();
    let events: Vec<PlayEvent> = items
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, it)| {
            let end = now - i as i64 * 1000;
            PlayEvent {
                id: format!("fs{}-{}-{}", p.n, now, i),
                campaign: Some(it.campaign.clone()),
                item: Some(it.item.clone()),
                partner: it.partner.clone(),
                alert: None,
                started_at: end - it.duration_ms.max(0),
                ended_at: end,
                media: None,
                planned_ms: Some(it.duration_ms.max(0)),
            }
        })
        .collect();
    let sent = events.len() as u64;
    let _slot = ctx.http_slots.acquire().await;
    if ctx.shared.stopped() {
        return;
    }
    let t = Instant::now();
    let res = ctx
        .http
        .post(format!("{}/api/v1/player/plays", ctx.base))
        .bearer_auth(&p.token)
        .json(&match &p.signer {
            Some(k) => PlayUpload::Signed(k.sign(events)),
            None => PlayUpload::Plain(PlayBatch { events }),
        })
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => {
            Shared::sample(&ctx.shared.plays, t);
            match r.json::<PlayBatchAnswer>().await {
                Ok(a) => {
                    ctx.shared
                        .plays_accepted
                        .fetch_add(a.accepted, Ordering::Relaxed);
                    ctx.shared.plays_sent.fetch_add(sent, Ordering::Relaxed);
                    ctx.shared
                        .plays_duplicates
                        .fetch_add(a.duplicates, Ordering::Relaxed);
                }
                Err(_) => ctx.shared.error("plays-answer-unreadable"),
            }
        }
        Ok(r) => ctx
            .shared
            .error(format!("plays-http-{}", r.status().as_u16())),
        Err(_) => ctx.shared.error("plays-request"),
    }
}

#[cfg(test)]
mod tests {
    use super::manifest_items;

    #[test]
    fn items_are_read_from_the_start_of_plain_and_gzip_bodies() {
        use std::io::Write;
        // The play list after the items is not valid: reading stops before it.
        let body = br#"{"format":2,"screen":{"id":"s"},"alerts":[],"items":[{"campaign":"c","item":"i","partner":"p","kind":"html","duration_ms":10000,"media":null,"template":"headline","data":{"t":"],\"layout\":"},"url":null}],"layout":{},"plays":[[0,-1,0,0]]"#;
        let plain = manifest_items(body, false).expect("plain");
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].campaign, "c");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(body).unwrap();
        let gz = manifest_items(&e.finish().unwrap(), true).expect("gzip");
        assert_eq!(gz[0].item, "i");
        assert!(manifest_items(b"not json", false).is_none());
        assert!(manifest_items(br#"{"format":3,"items":[]}"#, false).is_none());
    }
}
