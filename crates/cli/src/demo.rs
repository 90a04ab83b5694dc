//! `twincast demo`: seeds the demo network (idempotently: every step checks what is already there) and
//! generates its media locally.

use anyhow::Result;
use std::collections::BTreeMap;
use twincast_server::AppState;
use twincast_store::{Location, PartnerInput, Role, Screen, StoreError};

/// What seeding did.
pub struct SeedReport {
    /// The admin password, when the admin was created by this start.
    pub admin_password: Option<String>,
    /// Partners added by this start.
    pub partners_added: usize,
}

async fn ingest_bytes(state: &AppState, bytes: &[u8], partner: &str, name: &str) -> Result<()> {
    let mut ingest =
        twincast_media::Ingest::new(&state.config.tmp_dir(), state.config.max_upload_bytes).await?;
    ingest.push(bytes).await?;
    let ingested = ingest.finish().await?;
    twincast_server::ops::commit_media(state, &ingested, partner, name, None)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    Ok(())
}

/// Seeds whatever part of the demo network is missing.
pub async fn seed(state: &AppState) -> Result<SeedReport> {
    let store = &state.store;
    let mut partners_added = 0;
    for p in twincast_demo::partners() {
        let exists = match store.partner_by_slug(p.slug).await {
            Ok(_) => true,
            Err(StoreError::NotFound) => false,
            Err(e) => return Err(e.into()),
        };
        if !exists {
            let input = PartnerInput {
                slug: p.slug.into(),
                names: BTreeMap::from([
                    ("ru".to_string(), p.names.ru.to_string()),
                    ("en".to_string(), p.names.en.to_string()),
                    ("zh".to_string(), p.names.zh.to_string()),
                ]),
                country: p.country.into(),
                continent: p.continent.code().into(),
                lat: Some(p.lat),
                lon: Some(p.lon),
                since: p.since.map(i64::from),
                description: p.description.into(),
                logo_media_id: None,
            };
            store.create_partner(&input).await?;
            partners_added += 1;
        }
        // The partner's card (content-addressed: a second start finds it present).
        let png = twincast_demo::partner_card_png(p, 1280, 720)?;
        ingest_bytes(state, &png, p.slug, &format!("{}-card.png", p.slug)).await?;
        let portrait = twincast_demo::partner_card_png(p, 720, 1280)?;
        ingest_bytes(
            state,
            &portrait,
            p.slug,
            &format!("{}-card-portrait.png", p.slug),
        )
        .await?;
    }
    for l in twincast_demo::locations() {
        let loc = match store.location_by_slug(l.slug).await {
            Ok(loc) => loc,
            Err(StoreError::NotFound) => {
                store
                    .create_location(&Location {
                        id: String::new(),
                        slug: l.slug.into(),
                        name: l.names.en.into(),
                        kind: l.kind.code().into(),
                        lat: Some(l.lat),
                        lon: Some(l.lon),
                        tz: twincast_demo::host_city().tz.into(),
                    })
                    .await?
            }
            Err(e) => return Err(e.into()),
        };
        let page = twincast_store::PageRequest {
            limit: 500,
            cursor: None,
        };
        let existing: Vec<String> = store
            .list_screens(Some(l.kind.code()), &page)
            .await?
            .items
            .into_iter()
            .filter(|s| s.screen.location_id == loc.id)
            .map(|s| s.screen.name)
            .collect();
        for s in l.screens {
            if existing.iter().any(|n| n == s.name) {
                continue;
            }
            store
                .create_screen(&Screen {
                    id: String::new(),
                    name: s.name.into(),
                    location_id: loc.id.clone(),
                    lat: Some(s.lat),
                    lon: Some(s.lon),
                    tz: s.tz.into(),
                    width: s.width.into(),
                    height: s.height.into(),
                    orientation: if s.height > s.width {
                        "portrait"
                    } else {
                        "landscape"
                    }
                    .into(),
                    tags: s.tags.iter().map(|t| t.to_string()).collect(),
                    last_seen_at: None,
                })
                .await?;
        }
    }
    let admin_password = match store.user_by_name("admin").await {
        Ok(_) => None,
        Err(StoreError::NotFound) => {
            let password = twincast_server::auth::new_secret()[..16].to_string();
            let hash = twincast_server::auth::hash_password(password.clone()).await?;
            store.create_user("admin", &hash, Role::Admin, &[]).await?;
            Some(password)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(SeedReport {
        admin_password,
        partners_added,
    })
}

/// Prints where to go and how to log in.
pub fn print_welcome(listen: &str, r: &SeedReport) {
    let base = format!("http://{listen}");
    println!();
    println!("Twincast demo is starting at {base}/");
    println!("  start page   {base}/");
    println!("  player       {base}/player");
    println!("  API docs     {base}/api/docs");
    println!("  status       {base}/readyz");
    match &r.admin_password {
        Some(p) => {
            println!();
            println!("  admin login  username: admin   password: {p}");
            println!("               (shown once; change it with `twincast user passwd admin --password-stdin`)");
        }
        None => println!("  admin login  username: admin   (password printed at first start; reset: twincast user passwd admin --password-stdin)"),
    }
    if r.partners_added > 0 {
        println!(
            "  seeded {} partners, the Wuxi screen locations and their screens",
            r.partners_added
        );
    }
    println!();
}

/// Generates each partner's card video with ffmpeg (when present) and adds it to the library, in the
/// background; content already present is skipped.
pub async fn generate_videos(state: AppState) {
    if !twincast_media::ffmpeg::available() {
        tracing::info!("ffmpeg not found: the demo plays image cards only");
        return;
    }
    let dir = state.config.data_dir.join("demo-videos");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::warn!(error = %e, "cannot create demo video directory");
        return;
    }
    for p in twincast_demo::partners() {
        let out = dir.join(format!("{}.mp4", p.slug));
        if !out.exists() {
            // Rendered under another name and renamed when complete: a killed start leaves no half file.
            let part = dir.join(format!("{}.part.mp4", p.slug));
            let Ok(args) = twincast_demo::partner_video_args(p, &part) else {
                continue;
            };
            let tmp_ok = tokio::process::Command::new("ffmpeg")
                .args(&args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await
                .map(|s| s.success())
                .unwrap_or(false);
            if !tmp_ok || std::fs::rename(&part, &out).is_err() {
                let _ = std::fs::remove_file(&part);
                tracing::warn!(partner = p.slug, "demo video generation failed");
                continue;
            }
        }
        match tokio::fs::read(&out).await {
            Ok(bytes) => {
                if let Err(e) =
                    ingest_bytes(&state, &bytes, p.slug, &format!("{}.mp4", p.slug)).await
                {
                    tracing::warn!(partner = p.slug, error = %e, "demo video import failed");
                }
            }
            Err(e) => tracing::warn!(partner = p.slug, error = %e, "demo video unreadable"),
        }
    }
    tracing::info!("demo videos ready");
}
