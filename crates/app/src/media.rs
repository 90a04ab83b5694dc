//! The media library: the one path by which an ingested file becomes a committed media item, and removal.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use twincast_media::{Ingested, MediaType};
use twincast_store::{Job, Media, MediaFilter, Page, PageRequest, Rendition, Role};

impl App {
    /// Checks that `actor` may upload for the partner `slug` (which must exist).
    pub async fn check_upload(&self, actor: &Actor, slug: &str) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        self.referenced_partner(slug).await?;
        actor.require_partner(slug)
    }

    /// Media, oldest first; `kind` is `video` or `image`.
    pub async fn list_media(
        &self,
        partner: Option<String>,
        kind: Option<String>,
        page: &PageRequest,
    ) -> AppResult<Page<Media>> {
        if let Some(k) = &kind {
            if k != "video" && k != "image" {
                return Err(AppError::invalid(
                    "invalid-kind",
                    "kind must be video or image",
                ));
            }
        }
        let f = MediaFilter {
            partner,
            kind,
            within: None,
        };
        Ok(self.store.list_media(&f, page).await?)
    }

    /// One media item with its derived files and processing jobs.
    pub async fn media(&self, id: &str) -> AppResult<(Media, Vec<Rendition>, Vec<Job>)> {
        let m = self.store.media(id).await?;
        let renditions = self.store.renditions(id).await?;
        let jobs = self.store.jobs_for_media(id).await?;
        Ok((m, renditions, jobs))
    }

    /// Deletes a media item (admins, operators, or an editor of its partner). Its objects are removed when no
    /// other item uses them; returns the keys of the removed objects. An object that cannot be removed now is
    /// left for start-up recovery, which collects unreferenced objects.
    pub async fn delete_media(&self, actor: &Actor, id: &str) -> AppResult<Vec<String>> {
        let m = self.store.media(id).await?;
        actor.require_partner(&m.partner)?;
        let orphans = self.store.delete_media(id).await?;
        for key in &orphans {
            if let Err(e) = self.storage.delete(key).await {
                tracing::warn!(%key, error = %e, "object left behind; it is collected at next start");
            }
        }
        Ok(orphans)
    }

    /// Commits an ingested file for `partner` (a slug): object first (atomic put), then the row. A crash between
    /// the two leaves only an unreferenced object, which start-up recovery removes; a row never points at a
    /// missing object. Returns the item and whether it is new (the same content again is not stored twice).
    /// Queues the transcode job for new videos and images when ffmpeg is available.
    pub async fn commit_media(
        &self,
        ingested: &Ingested,
        partner: &str,
        original_name: &str,
        created_by: Option<&str>,
    ) -> AppResult<(Media, bool)> {
        crate::validate::file_name(original_name)?;
        let key = twincast_media::object_key(&ingested.sha256, ingested.media_type);
        if self.storage.size(&key).await? != Some(ingested.size) {
            self.storage.put_file(&key, &ingested.path).await?;
        }
        let p = &ingested.probe;
        let m = Media {
            id: String::new(),
            partner_id: String::new(),
            partner: partner.to_string(),
            sha256: ingested.sha256.clone(),
            kind: ingested.media_type.kind().to_string(),
            media_type: ingested.media_type.ext().to_string(),
            mime: ingested.media_type.mime().to_string(),
            object_key: key,
            size: ingested.size as i64,
            width: p.width.map(i64::from),
            height: p.height.map(i64::from),
            duration_ms: p.duration_ms.map(|d| d as i64),
            codec: p.codec.clone(),
            original_name: original_name.to_string(),
            created_by: created_by.map(str::to_string),
            created_at: 0,
        };
        let (m, created) = self.store.add_media(&m).await?;
        if created && self.settings.transcoding && ingested.media_type != MediaType::Svg {
            self.store.enqueue_job("transcode", Some(&m.id), 5).await?;
            self.jobs_notify.notify_one();
        }
        metrics::counter!("twincast_media_ingested_total", "created" => created.to_string())
            .increment(1);
        Ok((m, created))
    }
}
