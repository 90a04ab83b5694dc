//! What screens can play (migration 0020): the codecs each screen's player reports it decodes, and what the
//! choice of a medium's file needs to know ([`twincast_core::playback`]).

use crate::{Result, Store};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use twincast_core::playback::MediaFacts;

/// A medium as the choice of its file sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybackMedia {
    /// What [`twincast_core::playback::pick`] needs.
    pub facts: MediaFacts,
    /// Its H.264/AAC rendition, when made.
    pub rendition: Option<H264Rendition>,
    /// Its H.264/AAC renditions with captions burnt in, by caption language (`facts.captioned` names the same).
    pub captioned: BTreeMap<String, H264Rendition>,
}

/// A medium's H.264/AAC rendition (kind `mp4`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Rendition {
    /// Object key, `renditions/<sha256 of the original>/normalized.mp4`.
    pub object_key: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of its bytes, when recorded.
    pub sha256: Option<String>,
}

impl Store {
    /// The codecs screen `screen_id`'s player reported it decodes (`None`: never reported, or no such screen).
    pub async fn screen_decodes(&self, screen_id: &str) -> Result<Option<Vec<String>>> {
        let row = sqlx::query("SELECT decodes FROM screens WHERE id = $1")
            .bind(screen_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let text: Option<String> = row.try_get("decodes")?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// What every screen that reported it decodes, by screen id.
    pub async fn all_screen_decodes(&self) -> Result<HashMap<String, Vec<String>>> {
        let rows = sqlx::query("SELECT id, decodes FROM screens WHERE decodes IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        let mut out = HashMap::new();
        for r in &rows {
            let text: String = r.try_get("decodes")?;
            if let Ok(d) = serde_json::from_str(&text) {
                out.insert(r.try_get("id")?, d);
            }
        }
        Ok(out)
    }

    /// Records what screen `screen_id`'s player decodes. When it differs from what was recorded, the schedule
    /// version is raised in the same transaction (the screen's manifest names other files) and `true` returned.
    pub async fn set_screen_decodes(&self, screen_id: &str, codecs: &[String]) -> Result<bool> {
        let text = serde_json::to_string(codecs)?;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT decodes FROM screens WHERE id = $1")
            .bind(screen_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { return Ok(false) };
        let now: Option<String> = row.try_get("decodes")?;
        if now.as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        sqlx::query("UPDATE screens SET decodes = $1 WHERE id = $2")
            .bind(&text)
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        crate::schedule::bump(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Every medium's facts for choosing its file (kind, codec, whether its H.264/AAC rendition — kind `mp4` —
    /// exists, which caption languages are burnt into one), with those renditions.
    pub async fn playback_media(&self) -> Result<HashMap<String, PlaybackMedia>> {
        let rows = sqlx::query(
            "SELECT m.id AS id, m.kind AS kind, m.codec AS codec, m.media_type AS media_type, r.object_key AS object_key, r.size AS size, \
             r.sha256 AS sha256 FROM media m LEFT JOIN renditions r ON r.media_id = m.id AND r.kind = 'mp4'",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::with_capacity(rows.len());
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let key: Option<String> = r.try_get("object_key")?;
            let rendition = match key {
                Some(object_key) => Some(H264Rendition {
                    object_key,
                    size: r.try_get("size")?,
                    sha256: r.try_get("sha256")?,
                }),
                None => None,
            };
            out.insert(
                r.try_get("id")?,
                PlaybackMedia {
                    facts: MediaFacts {
                        video: kind == "video",
                        codec: r.try_get("codec")?,
                        rendition: rendition.is_some(),
                        // Stored by extension (`MediaType::ext`): only MP4 and WebM play in browsers.
                        foreign_container: kind == "video"
                            && !matches!(
                                r.try_get::<String, _>("media_type")?.as_str(),
                                "mp4" | "webm"
                            ),
                        captioned: Default::default(),
                    },
                    rendition,
                    captioned: BTreeMap::new(),
                },
            );
        }
        let burnt = sqlx::query(
            "SELECT media_id, object_key, size, sha256 FROM renditions WHERE kind = $1",
        )
        .bind(crate::captions::CAPTIONED)
        .fetch_all(&self.pool)
        .await?;
        for r in &burnt {
            let media_id: String = r.try_get("media_id")?;
            let object_key: String = r.try_get("object_key")?;
            let (Some(m), Some(lang)) = (
                out.get_mut(&media_id),
                crate::captions::captioned_lang(&object_key).map(str::to_string),
            ) else {
                continue;
            };
            m.facts.captioned.insert(lang.clone());
            m.captioned.insert(
                lang,
                H264Rendition {
                    size: r.try_get("size")?,
                    sha256: r.try_get("sha256")?,
                    object_key,
                },
            );
        }
        Ok(out)
    }

    /// Records the SHA-256 of the rendition stored at `object_key`.
    pub async fn set_rendition_sha256(&self, object_key: &str, sha256: &str) -> Result<()> {
        sqlx::query("UPDATE renditions SET sha256 = $1 WHERE object_key = $2")
            .bind(sha256)
            .bind(object_key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every partner's names by language, by slug (what manifests show on a fallback slate).
    pub async fn partner_names(&self) -> Result<HashMap<String, BTreeMap<String, String>>> {
        Ok(self
            .all_partners()
            .await?
            .into_iter()
            .map(|p| (p.slug, p.names))
            .collect())
    }
}
