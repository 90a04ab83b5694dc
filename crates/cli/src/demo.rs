//! `twincast demo`: seeds the demo network (idempotently: every step checks what is already there) and
//! generates its media locally.

mod fonts;
mod news;
mod projects;

use anyhow::Result;
use fonts::demo_fonts;
use std::collections::BTreeMap;
use std::path::Path;
use twincast_demo::Lang;
use twincast_server::AppState;
use twincast_store::{CampaignInput, CampaignItem, ItemKind, PartnerInput, Role, StoreError};

/// What seeding did.
pub struct SeedReport {
    /// The admin password, when the admin was created by this start.
    pub admin_password: Option<String>,
    /// Partners added by this start.
    pub partners_added: usize,
    /// News stories added (and published) by this start.
    pub news_added: usize,
    /// Cooperation projects added by this start.
    pub projects_added: usize,
}

async fn ingest_bytes(state: &AppState, bytes: &[u8], partner: &str, name: &str) -> Result<()> {
    let mut ingest =
        twincast_media::Ingest::new(&state.config.tmp_dir(), state.config.max_upload_bytes).await?;
    ingest.push(bytes).await?;
    let ingested = ingest.finish().await?;
    state
        .app
        .commit_media(&ingested, partner, name, &twincast_app::App::local_admin())
        .await?;
    Ok(())
}

/// The demo's host city (Wuxi) as configuration.
pub fn host_city() -> twincast_server::config::HostCityConfig {
    let h = twincast_demo::host_city();
    twincast_server::config::HostCityConfig {
        names: [("en", h.names.en), ("ru", h.names.ru), ("zh", h.names.zh)]
            .into_iter()
            .map(|(l, n)| (l.to_string(), n.to_string()))
            .collect(),
        lat: h.lat,
        lon: h.lon,
    }
}

/// The language of the cards shown in the main rotation. Every card carries the city's name in ru, en and zh; the
/// card's language sets the large title and the description. The store has one card per campaign item (no
/// per-screen language yet), so the main rotation shows the English card; the videos show all three languages.
const CARD_LANG: Lang = Lang::En;

/// Seeds whatever part of the demo network is missing.
pub async fn seed(state: &AppState) -> Result<SeedReport> {
    let store = &state.store;
    let admin = twincast_app::App::local_admin();
    let mut partners_added = 0;
    let fonts = demo_fonts().await;
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
                description: p.description(Lang::En).into(),
                descriptions: Lang::ALL
                    .iter()
                    .map(|l| (l.code().to_string(), p.description(*l).to_string()))
                    .collect(),
                logo_media_id: None,
            };
            state.app.create_partner(&admin, &input).await?;
            partners_added += 1;
        }
        // The partner's card (content-addressed: a second start finds it present).
        let png = twincast_demo::partner_card_png(p, CARD_LANG, fonts, 1280, 720)?;
        ingest_bytes(state, &png, p.slug, &format!("{}-card.png", p.slug)).await?;
        let portrait = twincast_demo::partner_card_png(p, CARD_LANG, fonts, 720, 1280)?;
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
                let new = twincast_app::places::NewLocation {
                    slug: l.slug.into(),
                    name: l.names.en.into(),
                    kind: l.kind.code().into(),
                    lat: Some(l.lat),
                    lon: Some(l.lon),
                    tz: twincast_demo::host_city().tz.into(),
                };
                state.app.create_location(&admin, new).await?
            }
            Err(e) => return Err(e.into()),
        };
        let page = twincast_store::PageRequest {
            limit: 500,
            cursor: None,
        };
        let existing: Vec<String> = store
            .list_screens(
                &twincast_store::ScreenFilter {
                    location: Some(loc.slug.clone()),
                    ..Default::default()
                },
                &page,
            )
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
            let new = twincast_app::places::NewScreen {
                name: s.name.into(),
                location: l.slug.into(),
                lat: Some(s.lat),
                lon: Some(s.lon),
                tz: Some(s.tz.into()),
                width: s.width,
                height: s.height,
                tags: s.tags.iter().map(|t| t.to_string()).collect(),
                language: Some(l.lang.code().into()),
            };
            state.app.create_screen(&admin, new).await?;
        }
    }
    for p in twincast_demo::partners() {
        ensure_partner_campaign(state, p).await?;
    }
    ensure_ticker(state).await?;
    let news_added = news::seed(state).await?;
    let admin_password = match store.user_by_name("admin").await {
        Ok(_) => None,
        Err(StoreError::NotFound) => {
            let password = twincast_app::secrets::new_secret()[..16].to_string();
            let new = twincast_app::users::NewUser {
                username: "admin".into(),
                password: password.clone(),
                role: Role::Admin,
                partners: vec![],
            };
            state
                .app
                .create_user(&twincast_app::App::local_admin(), new)
                .await?;
            Some(password)
        }
        Err(e) => return Err(e.into()),
    };
    let projects_added = projects::seed_projects(state).await?;
    Ok(SeedReport {
        admin_password,
        partners_added,
        news_added,
        projects_added,
    })
}

/// Name of the demo campaign of a partner.
fn campaign_name(p: &twincast_demo::Partner) -> String {
    format!("{} — city card", p.names.en)
}

/// The demo campaign of one partner: its card (the portrait card on portrait screens) and, once generated, its
/// video, on every screen at priority 0 and weight 1, so every screen rotates all partners with equal shares.
/// Creates the campaign, or updates its items when the partner's media changed; otherwise leaves it alone.
pub async fn ensure_partner_campaign(state: &AppState, p: &twincast_demo::Partner) -> Result<()> {
    let store = &state.store;
    let admin = twincast_app::App::local_admin();
    let filter = twincast_store::MediaFilter {
        partner: Some(p.slug.into()),
        ..Default::default()
    };
    let page = twincast_store::PageRequest {
        limit: 500,
        cursor: None,
    };
    let media = store.list_media(&filter, &page).await?.items;
    let named = |name: String| media.iter().find(|m| m.original_name == name);
    let Some(card) = named(format!("{}-card.png", p.slug)) else {
        return Ok(());
    };
    let mut items = vec![CampaignItem {
        id: "card".into(),
        kind: ItemKind::Image,
        duration_ms: Some(10_000),
        media_id: Some(card.id.clone()),
        portrait_media_id: named(format!("{}-card-portrait.png", p.slug)).map(|m| m.id.clone()),
        template: None,
        data: None,
        url: None,
    }];
    if let Some(video) = named(format!("{}.mp4", p.slug)) {
        items.push(CampaignItem {
            id: "video".into(),
            kind: ItemKind::Video,
            duration_ms: None,
            media_id: Some(video.id.clone()),
            portrait_media_id: None,
            template: None,
            data: None,
            url: None,
        });
    }
    let name = campaign_name(p);
    let existing = state
        .app
        .list_campaigns(&admin, Some(p.slug), Some("main"))
        .await?
        .items
        .into_iter()
        .find(|c| c.name == name);
    match existing {
        None => {
            let input = CampaignInput {
                name,
                partner: Some(p.slug.into()),
                zone: "main".into(),
                priority: 0,
                weight: 1.0,
                targets: Default::default(),
                valid_from: None,
                valid_until: None,
                recurrence: None,
                items,
            };
            state.app.create_campaign(&admin, input).await?;
        }
        Some(c) => {
            let media_ids = |items: &[CampaignItem]| -> Vec<(Option<String>, Option<String>)> {
                items
                    .iter()
                    .map(|i| (i.media_id.clone(), i.portrait_media_id.clone()))
                    .collect()
            };
            if media_ids(&c.items) == media_ids(&items) {
                return Ok(());
            }
            let mut input = CampaignInput::from(&c);
            input.items = items;
            state
                .app
                .update_campaign(&admin, &c.id, input, None)
                .await?;
        }
    }
    Ok(())
}

/// The demo desk's ticker.
const DESK_TICKER: &str = "Street and metro screens";

/// The news ticker comes from the desk: one desk ticker on the screens tagged `ticker` (street and metro
/// screens, which then get the main + ticker + clock layout) runs the published stories' short headlines, each
/// screen in its location's language. The fixed headline campaigns of earlier versions ("News ticker" and
/// "News ticker (ru|en|zh)") are removed; a desk ticker that exists is left alone.
async fn ensure_ticker(state: &AppState) -> Result<()> {
    let admin = twincast_app::App::local_admin();
    let existing = state
        .app
        .list_campaigns(&admin, None, Some("ticker"))
        .await?
        .items;
    for c in existing
        .iter()
        .filter(|c| c.name == "News ticker" || c.name.starts_with("News ticker ("))
    {
        tracing::info!(campaign = %c.id, "replacing the demo's fixed news ticker with the desk's");
        state.app.delete_campaign(&admin, &c.id, None).await?;
    }
    if !state.app.news_tickers(&admin).await?.is_empty() {
        return Ok(());
    }
    let input = twincast_store::NewsTickerInput {
        name: DESK_TICKER.into(),
        targets: serde_json::from_value(serde_json::json!({ "tags": ["ticker"] }))?,
        rubrics: vec![],
        tags: vec![],
        max_items: 10,
        item_ms: 8_000,
        enabled: true,
    };
    state.app.create_news_ticker(&admin, &input).await?;
    Ok(())
}

/// Prints where to go and how to log in.
pub fn print_welcome(listen: &str, r: &SeedReport) {
    let base = format!("http://{listen}");
    println!();
    println!("Twincast demo is starting at {base}/");
    println!("  portal       {base}/");
    println!("  developers   {base}/dev");
    println!("  player       {base}/player");
    println!("  API docs     {base}/api/docs");
    println!("  status       {base}/readyz");
    if r.partners_added > 0 {
        println!(
            "  seeded {} partners, the Wuxi screen locations and their screens",
            r.partners_added
        );
    }
    if r.news_added > 0 {
        println!("  published {} news stories ({base}/en/news)", r.news_added);
    }
    if r.projects_added > 0 {
        println!(
            "  seeded {} cooperation projects ({base}/api/v1/projects, IATI: {base}/api/v1/iati/activities)",
            r.projects_added
        );
    }
    println!();
    println!("  console      {base}/console");
    match &r.admin_password {
        Some(p) => {
            println!("  admin login  username: admin   password: {p}");
            println!("               (shown once; change it with `twincast user passwd admin --password-stdin`)");
        }
        None => println!("  admin login  username: admin   (password printed at first start; reset: twincast user passwd admin --password-stdin)"),
    }
    println!();
}

/// `--films`: how many of the demo's partner cities get a film, at most all of them.
pub fn parse_films(s: &str) -> Result<usize, String> {
    let all = twincast_demo::partners().len();
    match s.trim().parse::<usize>() {
        Ok(n) if n <= all => Ok(n),
        _ => Err(format!(
            "{s:?} is not a number of films from 0 to {all} (the demo has {all} partner cities)"
        )),
    }
}

/// Generates the card video of each of the first `films` partners with ffmpeg (when present) and adds it to the
/// library, one partner per step, as a background worker; content already present is skipped.
pub struct DemoVideos {
    state: AppState,
    next: usize,
    films: usize,
}

impl DemoVideos {
    /// A worker over the first `films` demo partners (all of them when `films` is larger).
    pub fn new(state: AppState, films: usize) -> DemoVideos {
        DemoVideos {
            state,
            next: 0,
            films: films.min(twincast_demo::partners().len()),
        }
    }
}

impl twincast_app::background::Worker for DemoVideos {
    fn name(&self) -> String {
        "demo-videos".into()
    }

    async fn work(&mut self) -> twincast_app::background::WorkerState {
        use twincast_app::background::WorkerState;
        if self.films == 0 {
            tracing::info!("no demo films (--films 0): the demo plays image cards only");
            return WorkerState::Done;
        }
        if self.next == 0 && !twincast_media::ffmpeg::available() {
            tracing::info!("ffmpeg not found: the demo plays image cards only");
            return WorkerState::Done;
        }
        let partners = &twincast_demo::partners()[..self.films];
        let Some(p) = partners.get(self.next) else {
            tracing::info!(films = self.films, "demo videos ready");
            return WorkerState::Done;
        };
        self.next += 1;
        video_for(&self.state, p).await;
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {}
}

/// Renders the partner's video: its stills (drawn by the demo crate with the demo fonts) go into a scratch folder
/// next to the video, ffmpeg animates them, and the folder is removed. `true` when `out` was written.
async fn render_video(p: &twincast_demo::Partner, dir: &Path, out: &Path) -> bool {
    let fonts = demo_fonts().await;
    let frames_dir = dir.join(format!("{}.frames", p.slug));
    let part = dir.join(format!("{}.part.mp4", p.slug));
    let slug = p.slug;
    let prepared = {
        let (frames_dir, part) = (frames_dir.clone(), part.clone());
        let p = *p;
        tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
            let frames = twincast_demo::partner_video_frames(&p, fonts)?;
            std::fs::create_dir_all(&frames_dir)?;
            for f in &frames {
                std::fs::write(frames_dir.join(&f.name), &f.png)?;
            }
            Ok(twincast_demo::partner_video_args(&p, &frames_dir, &part)?)
        })
        .await
    };
    let args = match prepared {
        Ok(Ok(args)) => args,
        Ok(Err(e)) => {
            tracing::warn!(partner = slug, error = %e, "demo video stills failed");
            let _ = std::fs::remove_dir_all(&frames_dir);
            return false;
        }
        Err(e) => {
            tracing::warn!(partner = slug, error = %e, "demo video stills task failed");
            let _ = std::fs::remove_dir_all(&frames_dir);
            return false;
        }
    };
    let ok = ffmpeg_command()
        .args(&args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .status()
        .await
        .map(|s| s.success())
        .unwrap_or(false);
    let _ = std::fs::remove_dir_all(&frames_dir);
    // Rendered under another name and renamed when complete: a killed start leaves no half file.
    if !ok || std::fs::rename(&part, out).is_err() {
        let _ = std::fs::remove_file(&part);
        return false;
    }
    true
}

/// `ffmpeg` under `nice` when there is one, like the media jobs' runs: the demo's films take the CPU only when
/// serving (and whatever else runs on the machine) leaves it.
fn ffmpeg_command() -> tokio::process::Command {
    let nice = std::process::Command::new("nice")
        .arg("true")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if nice {
        let mut c = tokio::process::Command::new("nice");
        c.args(["-n", twincast_media::ffmpeg::NICENESS, "ffmpeg"]);
        c
    } else {
        tokio::process::Command::new("ffmpeg")
    }
}

async fn video_for(state: &AppState, p: &twincast_demo::Partner) {
    let dir = state.config.data_dir.join("demo-videos");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        tracing::warn!(error = %e, "cannot create demo video directory");
        return;
    }
    let out = dir.join(format!("{}.mp4", p.slug));
    if !out.exists() && !render_video(p, &dir, &out).await {
        tracing::warn!(partner = p.slug, "demo video generation failed");
        return;
    }
    match tokio::fs::read(&out).await {
        Ok(bytes) => {
            if let Err(e) = ingest_bytes(state, &bytes, p.slug, &format!("{}.mp4", p.slug)).await {
                tracing::warn!(partner = p.slug, error = %e, "demo video import failed");
            } else if let Err(e) = ensure_partner_campaign(state, p).await {
                tracing::warn!(partner = p.slug, error = %e, "demo campaign update failed");
            }
        }
        Err(e) => tracing::warn!(partner = p.slug, error = %e, "demo video unreadable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeds_a_fair_rotation_of_every_partner_and_a_ticker_idempotently() {
        let dir = tempfile::tempdir().unwrap();
        let config = twincast_server::config::Config {
            data_dir: dir.path().to_path_buf(),
            database_url: String::new(),
            ..Default::default()
        };
        let state = AppState::open(config).await.unwrap();
        seed(&state).await.unwrap();
        let version = state.store.schedule_version().await.unwrap();
        seed(&state).await.unwrap();
        assert_eq!(
            state.store.schedule_version().await.unwrap(),
            version,
            "a second seed changes nothing"
        );
        // The cooperation catalogue: several districts, at least 14 countries and regions, valid for the rules.
        let cat = state.app.catalogue(&Default::default()).await.unwrap();
        assert!(cat.total >= 6, "{}", cat.total);
        assert!(cat.facets.district.len() >= 5, "{:?}", cat.facets.district);
        assert!(cat.facets.country.len() >= 14, "{:?}", cat.facets.country);
        assert_eq!(cat.facets.status.len(), 3);
        // The stories that name projects name seeded ones, so the projects' pages show their news.
        let slugs: Vec<String> = cat.items.iter().map(|p| p.data.slug.clone()).collect();
        let named: Vec<&str> = twincast_demo::news()
            .iter()
            .flat_map(|s| s.projects.iter().copied())
            .collect();
        assert!(named.len() >= slugs.len(), "{named:?}");
        for n in named {
            assert!(slugs.iter().any(|s| s == n), "{n} is not a demo project");
        }
        let partners = twincast_demo::partners();
        let main = state
            .store
            .list_campaigns(None, Some("main"))
            .await
            .unwrap();
        assert_eq!(main.len(), partners.len());
        let ticker = state
            .store
            .list_campaigns(None, Some("ticker"))
            .await
            .unwrap();
        assert!(ticker.is_empty(), "the ticker comes from the desk");
        let desk = state.store.news_tickers().await.unwrap();
        assert_eq!(desk.len(), 1);
        assert_eq!(desk[0].input.name, DESK_TICKER);
        let stories = twincast_demo::news().len();
        // Location id -> the language its screens show.
        let mut lang_of = BTreeMap::new();
        for l in twincast_demo::locations() {
            let id = state.store.location_by_slug(l.slug).await.unwrap().id;
            lang_of.insert(id, l.lang);
        }

        let page = twincast_store::PageRequest {
            limit: 500,
            cursor: None,
        };
        let screens = state
            .store
            .list_screens(&Default::default(), &page)
            .await
            .unwrap()
            .items;
        assert!(screens.len() >= 7);
        let from = 1_780_000_000_000; // 2026-05-28
        for v in &screens {
            let id = &v.screen.id;
            let (screen, campaigns, alerts) = state.store.schedule_inputs(id).await.unwrap();
            let report = twincast_core::simulate(&screen, &campaigns, &alerts, from, 1);
            assert_eq!(report.partners.len(), partners.len(), "{}", v.screen.name);
            let sum: f64 = report.partners.iter().map(|p| p.achieved_share).sum();
            assert!((sum - 1.0).abs() < 1e-6);
            for p in &report.partners {
                assert!(
                    (p.achieved_share - p.target_share).abs() <= 0.02,
                    "{} on {}: {p:?}",
                    p.slug,
                    v.screen.name
                );
            }
            // Portrait screens show the portrait card.
            let portrait = v.screen.orientation == "portrait";
            let items = state.store.resolve_items(&campaigns[..1]).await.unwrap();
            let card = items[0].media.as_ref().unwrap();
            let m = state.store.media(&card.id).await.unwrap();
            assert_eq!(
                m.original_name.ends_with("-portrait.png"),
                portrait,
                "{}",
                v.screen.name
            );
            // Street and metro screens carry the ticker band, with the headlines of one language: their location's.
            let layout = state.store.screen_layout(id).await.unwrap();
            let wants_ticker = matches!(v.location_kind.as_str(), "street" | "metro");
            assert_eq!(
                layout.name == "main_ticker_clock",
                wants_ticker,
                "{}",
                v.screen.name
            );
            assert_eq!(v.screen.language, lang_of[&v.screen.location_id].code());
            assert_eq!(
                layout.ticker.len(),
                usize::from(wants_ticker),
                "{}",
                v.screen.name
            );
            if let Some(c) = layout.ticker.first() {
                assert_eq!(c.language.as_deref(), Some(v.screen.language.as_str()));
                assert_eq!(c.items.len(), stories, "{}", v.screen.name);
            }
        }
    }
}
