//! `twincast fleet provision`: screens, devices and optionally campaigns written straight into the database.

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Args;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use twincast_store::{AuditEntry, CampaignInput, LocationInput, PartnerInput, Screen, Store};

/// `twincast fleet provision`.
#[derive(Args, Debug, Clone)]
pub struct ProvisionArgs {
    /// Screens to add (named `fleet 00001` …), each with an active device token.
    #[arg(long)]
    pub screens: usize,
    /// Main-zone campaigns to add (partner-card slides), spread over the partners (see `--targeting`).
    #[arg(long, default_value_t = 0)]
    pub campaigns: usize,
    /// Partners the campaigns belong to (`fleet-p001` …; existing ones are reused).
    #[arg(long, default_value_t = 50)]
    pub partners: usize,
    /// Locations the screens are spread over (`fleet-l001` …; existing ones are reused).
    #[arg(long, default_value_t = 100)]
    pub locations: usize,
    /// Where to write the device tokens, one per line: `TOKEN<TAB>SCREEN_ID<TAB>DEVICE_ID` (each device's
    /// proof-of-play key is derived from its token, so the simulator signs its batches).
    #[arg(long)]
    pub tokens_out: PathBuf,
    /// Media rows to add (approved images without objects, for library load tests), spread over the partners.
    #[arg(long, default_value_t = 0)]
    pub media: usize,
    /// How campaigns target: `mixed` (of every ten, one everywhere, five a kind of place, four one place) or
    /// `places` (one everywhere, nine one place).
    #[arg(long, default_value = "mixed", value_parser = ["mixed", "places"])]
    pub targeting: String,
    /// Register no proof-of-play key: the devices send unsigned batches, like players without Ed25519 (their lines
    /// in the token file then have no device id, so the simulator does not sign either).
    #[arg(long)]
    pub unsigned: bool,
}

const KINDS: [&str; 4] = ["airport", "street", "metro", "bus_terminal"];
const ZONES: [&str; 4] = [
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
];
const CONTINENTS: [&str; 5] = ["Asia", "Europe", "Africa", "Americas", "Oceania"];

/// Adds the fleet; returns the number of screens written to the token file.
pub async fn provision(store: &Store, a: &ProvisionArgs) -> Result<usize> {
    if a.screens == 0 || a.screens > 100_000 {
        bail!("--screens must be between 1 and 100000");
    }
    if a.locations == 0 || a.locations > 10_000 || a.partners == 0 || a.partners > 100_000 {
        bail!("--locations must be 1..=10000 and --partners 1..=100000");
    }
    let mut partners = Vec::new();
    if a.campaigns > 0 || a.media > 0 {
        for i in 1..=a.partners {
            let slug = format!("fleet-p{i:03}");
            if store.partner_by_slug(&slug).await.is_err() {
                let names: BTreeMap<String, String> = ["en", "ru", "zh"]
                    .iter()
                    .map(|l| (l.to_string(), format!("Fleet partner {i}")))
                    .collect();
                store
                    .create_partner(
                        &PartnerInput {
                            slug: slug.clone(),
                            names,
                            country: "DE".into(),
                            continent: CONTINENTS[i % CONTINENTS.len()].into(),
                            lat: Some(10.0 + i as f64 * 0.1),
                            lon: Some(20.0 + i as f64 * 0.1),
                            since: None,
                            description: format!("Load-test partner {i}"),
                            descriptions: Default::default(),
                            logo_media_id: None,
                        },
                        &twincast_store::AuditEntry::by_system(
                            "partner.create",
                            "",
                            twincast_store::now_ms(),
                        ),
                    )
                    .await
                    .with_context(|| format!("adding partner {slug}"))?;
            }
            partners.push(slug);
        }
    }
    let mut locations = Vec::new();
    for i in 1..=a.locations {
        let slug = format!("fleet-l{i:03}");
        let l = match store.location_by_slug(&slug).await {
            Ok(l) => l,
            Err(_) => store
                .create_location(
                    &LocationInput {
                        slug: slug.clone(),
                        name: format!("Fleet location {i}"),
                        kind: KINDS[i % KINDS.len()].into(),
                        lat: Some(31.0 + (i % 50) as f64 * 0.01),
                        lon: Some(120.0 + (i / 50) as f64 * 0.01),
                        tz: ZONES[i % ZONES.len()].into(),
                    },
                    &AuditEntry::by_system("location.create", "", twincast_store::now_ms()),
                )
                .await
                .with_context(|| format!("adding location {slug}"))?,
        };
        locations.push(l);
    }
    for i in 0..a.campaigns {
        let partner = &partners[i % partners.len()];
        // Like a real network: some content everywhere, most by kind of place, some for one place.
        let by_place = json!({"locations": [locations[i % locations.len()].id]});
        let targets = match (i % 10, a.targeting.as_str()) {
            (0, _) => json!({}),
            (1..=5, "mixed") => json!({"location_kinds": [KINDS[i % KINDS.len()]]}),
            _ => by_place,
        };
        let input: CampaignInput = serde_json::from_value(json!({
            "name": format!("fleet campaign {i:04}"),
            "partner": partner,
            "targets": targets,
            "items": [
                {"id": "card", "kind": "html", "template": "partner_card", "duration_ms": 10_000,
                 "data": {"city": format!("City {i}"), "country": "DE", "text": "Load-test slide"}},
                {"id": "card2", "kind": "html", "template": "partner_card", "duration_ms": 15_000,
                 "data": {"city": format!("City {i}"), "country": "DE", "text": "Second slide"}},
            ],
        }))?;
        store
            .create_campaign(&input, None)
            .await
            .with_context(|| format!("adding campaign {i}"))?;
    }
    let tmp = a.tokens_out.with_extension("partial");
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    let now = twincast_store::now_ms();
    let expires = now + 365 * 86_400_000;
    for i in 1..=a.screens {
        let l = &locations[(i - 1) % locations.len()];
        let portrait = i % 5 == 0;
        let (width, height) = if portrait { (1080, 1920) } else { (1920, 1080) };
        let view = store
            .create_screen(
                &Screen {
                    id: String::new(),
                    name: format!("fleet {i:05}"),
                    location_id: l.id.clone(),
                    lat: l.lat,
                    lon: l.lon,
                    tz: l.tz.clone(),
                    width,
                    height,
                    orientation: if portrait { "portrait" } else { "landscape" }.into(),
                    tags: vec!["fleet".into()],
                    language: "en".into(),
                    last_seen_at: None,
                },
                &AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
            )
            .await
            .with_context(|| format!("adding screen {i}"))?;
        let token = twincast_app::secrets::new_device_token();
        let key = (!a.unsigned).then(|| {
            B64.encode(
                super::player::provisioned_key(&token)
                    .verifying_key()
                    .to_bytes(),
            )
        });
        let device = store
            .provision_device(
                &view.screen.id,
                &twincast_app::secrets::secret_hash(&token),
                key.as_deref(),
                now,
                expires,
            )
            .await?;
        if a.unsigned {
            writeln!(out, "{token}\t{}", view.screen.id)?;
        } else {
            writeln!(out, "{token}\t{}\t{}", view.screen.id, device.id)?;
        }
    }
    let f = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing tokens: {e}"))?;
    f.sync_all()?;
    std::fs::rename(&tmp, &a.tokens_out)?;
    if a.media > 0 {
        let mut ids = Vec::new();
        for slug in &partners {
            ids.push(store.partner_by_slug(slug).await?.id);
        }
        // In batches, so one transaction stays short.
        let mut left = a.media;
        while left > 0 {
            let n = left.min(10_000);
            store
                .provision_media(
                    &ids,
                    n,
                    &AuditEntry::by_system("fleet.provision", "", twincast_store::now_ms()),
                )
                .await
                .context("adding media rows")?;
            left -= n;
        }
    }
    Ok(a.screens)
}
