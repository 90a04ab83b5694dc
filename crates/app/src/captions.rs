//! Caption tracks of a video (docs/media.md, "Captions"): attach, replace or remove the WebVTT track of one
//! language. The file is checked and SRT converted by `twincast_core::captions`; the WebVTT is stored as an object
//! under the video's renditions (`renditions/<sha256>/captions.<lang>.<hash>.vtt`, content-addressed so a
//! replaced track never reaches a cache under the old name) and recorded as a `captions` rendition, which the
//! portal's player offers as a `<track>`.
//!
//! Where ffmpeg is on, each track is also burnt into a screen rendition (job [`crate::jobs::CAPTIONS`]): a screen
//! whose language has a track plays that one (`twincast_core::playback::pick_for`), because public screens play
//! without sound.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::App;
use serde::Serialize;
use sha2::Digest;
use twincast_core::captions::{self, CaptionError};
use twincast_store::{Rendition, Role};

/// A caption track as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Caption {
    /// BCP 47 language tag (canonical case).
    pub lang: String,
    /// URL path of the WebVTT file.
    pub url: String,
    /// Size in bytes.
    pub size: i64,
    /// Whether its screen rendition with these captions burnt in is made (screens of this language play it);
    /// `false` while the job makes it, or where the server has no ffmpeg.
    pub burnt_in: bool,
}

/// What [`App::set_caption`] stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaptionSet {
    /// The track.
    #[serde(flatten)]
    pub caption: Caption,
    /// Its number of cues.
    pub cues: usize,
    /// Whether the file was SRT and converted to WebVTT.
    pub converted: bool,
    /// Whether it replaced a track of the same language.
    pub replaced: bool,
}

impl From<CaptionError> for AppError {
    fn from(e: CaptionError) -> AppError {
        match e {
            CaptionError::TooLarge => AppError::Unprocessable {
                code: e.code(),
                message: e.to_string(),
            },
            _ => AppError::invalid(e.code(), e.to_string()),
        }
    }
}

/// The language of a caption rendition (`…/captions.<lang>.<hash>.vtt`).
pub fn caption_lang(r: &Rendition) -> Option<&str> {
    r.object_key
        .rsplit('/')
        .next()?
        .strip_prefix("captions.")?
        .split('.')
        .next()
}

/// The key of the screen rendition with track `track`'s captions burnt in: `…/screen.<lang>.<hash>.mp4` beside
/// it (the track's hash in the name, so a replaced track's rendition is made anew).
pub fn burnt_key(track: &Rendition) -> Option<String> {
    let (dir, name) = track.object_key.rsplit_once('/')?;
    let rest = name.strip_prefix("captions.")?.strip_suffix(".vtt")?;
    Some(format!("{dir}/screen.{rest}.mp4"))
}

fn view(r: &Rendition, burnt: &[Rendition]) -> Caption {
    let key = burnt_key(r);
    Caption {
        lang: caption_lang(r).unwrap_or_default().to_string(),
        url: format!("/{}", r.object_key),
        size: r.size,
        burnt_in: burnt.iter().any(|b| Some(&b.object_key) == key.as_ref()),
    }
}

impl App {
    /// The caption tracks of media item `media_id`, by language.
    pub async fn captions(&self, media_id: &str) -> AppResult<Vec<Caption>> {
        self.store.media(media_id).await?;
        let burnt = self.store.captioned(media_id).await?;
        Ok(self
            .store
            .captions(media_id)
            .await?
            .iter()
            .map(|r| view(r, &burnt))
            .collect())
    }

    async fn caption_target(
        &self,
        actor: &Actor,
        media_id: &str,
    ) -> AppResult<twincast_store::Media> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let m = self.store.media(media_id).await?;
        actor.require_partner(&m.partner)?;
        if m.kind != "video" {
            return Err(AppError::conflict(
                "captions-need-video",
                "only a video has caption tracks",
            ));
        }
        Ok(m)
    }

    /// Attaches (or replaces) the caption track in `lang` of video `media_id` (admins, operators, an editor of
    /// its partner): `file` is WebVTT or SRT (converted), checked cue by cue (`caption-*` codes, 400; over 1 MiB
    /// `caption-too-large`, 422); `lang` a BCP 47 tag (`invalid-language-tag`). Audited.
    pub async fn set_caption(
        &self,
        actor: &Actor,
        media_id: &str,
        lang: &str,
        file: &[u8],
    ) -> AppResult<CaptionSet> {
        let m = self.caption_target(actor, media_id).await?;
        let lang = captions::language_tag(lang)?;
        let checked = captions::to_webvtt(file)?;
        let hash = hex::encode(&sha2::Sha256::digest(checked.vtt.as_bytes())[..8]);
        let key = format!("renditions/{}/captions.{lang}.{hash}.vtt", m.sha256);
        let size = checked.vtt.len() as i64;
        self.storage
            .put_bytes(&key, checked.vtt.clone().into_bytes().into())
            .await?;
        let replaced = self
            .store
            .captions(media_id)
            .await?
            .iter()
            .any(|r| caption_lang(r) == Some(lang.as_str()));
        let entry = self
            .audit(actor, "media.caption.set", media_id)
            .partner(Some(&m.partner))
            .field("lang", serde_json::Value::Null, lang.clone().into())
            .field("cues", serde_json::Value::Null, checked.cues.into());
        let orphans = self
            .store
            .set_caption(media_id, &lang, &key, size, &entry)
            .await?;
        self.remove_objects(&orphans).await;
        self.portal_changed();
        // The same file sent again keeps its burnt-in rendition (the names are content-addressed).
        let burnt = self.store.captioned(media_id).await?;
        let caption = self
            .store
            .captions(media_id)
            .await?
            .iter()
            .find(|r| r.object_key == key)
            .map(|r| view(r, &burnt))
            .unwrap_or(Caption {
                lang: lang.clone(),
                url: format!("/{key}"),
                size,
                burnt_in: false,
            });
        if !caption.burnt_in {
            self.queue_burn(&m.id, twincast_store::jobs::priority::CAPTIONS)
                .await?;
        }
        Ok(CaptionSet {
            caption,
            cues: checked.cues,
            converted: checked.converted,
            replaced,
        })
    }

    /// Removes the caption track in `lang` of video `media_id` (`caption-not-found`, 404, when there is none).
    /// Audited.
    pub async fn delete_caption(&self, actor: &Actor, media_id: &str, lang: &str) -> AppResult<()> {
        let m = self.caption_target(actor, media_id).await?;
        let lang = captions::language_tag(lang)?;
        let entry = self
            .audit(actor, "media.caption.delete", media_id)
            .partner(Some(&m.partner))
            .field("lang", lang.clone().into(), serde_json::Value::Null);
        let had_burnt = self
            .store
            .captioned(media_id)
            .await?
            .iter()
            .any(|r| twincast_store::captioned_lang(&r.object_key) == Some(lang.as_str()));
        let orphans = self
            .store
            .delete_caption(media_id, &lang, &entry)
            .await?
            .ok_or_else(|| {
                AppError::missing(
                    "caption-not-found",
                    format!("the video has no {lang} caption track"),
                )
            })?;
        self.remove_objects(&orphans).await;
        self.portal_changed();
        if had_burnt {
            // Screens of that language played the burnt-in rendition: their manifests name another file now.
            self.emit(crate::events::ServerEvent::ScheduleChanged { screens: None });
        }
        Ok(())
    }

    /// Queues the job that burns video `media_id`'s caption tracks into screen renditions, where ffmpeg is on.
    pub(crate) async fn queue_burn(&self, media_id: &str, priority: i64) -> AppResult<()> {
        if self.settings.transcoding {
            self.store
                .enqueue_job_with_priority(crate::jobs::CAPTIONS, Some(media_id), 5, priority)
                .await?;
            self.jobs_notify.notify_one();
        }
        Ok(())
    }

    pub(crate) async fn remove_objects(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.storage.delete(key).await {
                tracing::warn!(%key, error = %e, "object left behind; it is collected at next start");
            }
        }
    }
}
