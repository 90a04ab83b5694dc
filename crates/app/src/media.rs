//! The media library: the one path by which an ingested file becomes a committed media item, and removal.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::moderation::{publish_mode, PendingItem};
use crate::{revision, App};
use twincast_media::{Ingested, MediaType};
use twincast_store::{
    CampaignRef, Job, Media, MediaDeletion, MediaFilter, MediaInput, Page, PageRequest, Rendition,
    Role,
};

/// The input form of a stored media item.
pub fn input_of(m: &Media) -> MediaInput {
    MediaInput {
        original_name: m.original_name.clone(),
        partner: m.partner.clone(),
    }
}

/// `media-in-use` (409), naming the campaigns in its message and, as data, in its `campaigns` member
/// (`[{"id", "name"}]`).
fn in_use(campaigns: &[CampaignRef]) -> AppError {
    let names: Vec<String> = campaigns
        .iter()
        .map(|c| format!("{:?} ({})", c.name, c.id))
        .collect();
    let data = campaigns
        .iter()
        .map(|c| serde_json::json!({"id": c.id, "name": c.name}))
        .collect();
    AppError::conflict(
        "media-in-use",
        format!(
            "the media is used by {} campaign(s): {}; remove it from them first",
            campaigns.len(),
            names.join(", ")
        ),
    )
    .with_member("campaigns", serde_json::Value::Array(data))
}

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

    /// Deletes a media item (admins, operators, or an editor of its partner) if it is still at version `if_match`
    /// (when given) and no campaign uses it (`media-in-use`, 409, naming the campaigns). Its objects are removed
    /// when no other item uses them; returns the keys of the removed objects. An object that cannot be removed now
    /// is left for start-up recovery, which collects unreferenced objects.
    pub async fn delete_media(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<Vec<String>> {
        let m = self.store.media(id).await?;
        actor.require_partner(&m.partner)?;
        let entry = self
            .audit(actor, "media.delete", id)
            .partner(Some(&m.partner))
            .deleted(&input_of(&m));
        let orphans = match self
            .store
            .delete_media(id, revision::expected(if_match), &entry)
            .await?
        {
            MediaDeletion::Deleted(orphans) => orphans,
            MediaDeletion::InUse(campaigns) => return Err(in_use(&campaigns)),
        };
        self.portal_changed();
        for key in &orphans {
            // Another node may be committing the same content right now: its object stays.
            if self.store.object_in_flight(key, self.now_ms()).await? {
                continue;
            }
            if let Err(e) = self.storage.delete(key).await {
                tracing::warn!(%key, error = %e, "object left behind; it is collected at next start");
            }
        }
        Ok(orphans)
    }

    /// Changes a media item's file name (admins, operators, an editor of its partner) or its partner (admins and
    /// operators only; not while a campaign uses it), if still at version `if_match`. A name is not shown on
    /// screens, so the review state stays.
    pub async fn update_media(
        &self,
        actor: &Actor,
        id: &str,
        input: &MediaInput,
        if_match: Option<i64>,
    ) -> AppResult<Media> {
        let m = self.store.media(id).await?;
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        actor.require_partner(&m.partner)?;
        crate::validate::file_name(&input.original_name)?;
        let mut partner_id = m.partner_id.clone();
        if input.partner != m.partner {
            actor.require(&[Role::Admin, Role::Operator]).map_err(|_| {
                AppError::forbidden("only operators and admins move media to another partner")
            })?;
            partner_id = self.referenced_partner(&input.partner).await?.id;
            let users = self.store.campaigns_using_media(id).await?;
            if !users.is_empty() {
                return Err(in_use(&users));
            }
        }
        let entry = self
            .audit(actor, "media.update", id)
            .partner(Some(&input.partner))
            .diff(&input_of(&m), input);
        Ok(self
            .store
            .update_media(
                id,
                &input.original_name,
                &partner_id,
                revision::expected(if_match),
                &entry,
            )
            .await?)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_media`]).
    pub async fn patch_media(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<Media> {
        let m = self.store.media(id).await?;
        actor.require_partner(&m.partner)?;
        let input = revision::merge_patch(&input_of(&m), patch)?;
        self.update_media(actor, id, &input, if_match).await
    }

    /// Commits an ingested file for `partner` (a slug): object first (atomic put), then the row. A crash between
    /// the two leaves only an unreferenced object, which start-up recovery removes; a row never points at a
    /// missing object. Returns the item and whether it is new (the same content again is not stored twice).
    /// Queues the transcode job for new videos and images when ffmpeg is available. A partner-editor's upload is
    /// pending until an operator approves it; an operator's or admin's is approved at once. Audited.
    pub async fn commit_media(
        &self,
        ingested: &Ingested,
        partner: &str,
        original_name: &str,
        actor: &Actor,
    ) -> AppResult<(Media, bool)> {
        crate::validate::file_name(original_name)?;
        let key = twincast_media::object_key(&ingested.sha256, ingested.media_type);
        // Recorded as pending before the put (and before looking whether it is there): no node deletes an object
        // a live node is putting, and what this node leaves if it dies before the row is taken back once its
        // lease has run out (`nodes`).
        let pending = self.object_pending(&key).await?;
        let committed = self
            .commit_media_row(ingested, partner, original_name, actor, &key)
            .await;
        self.object_committed(pending).await;
        let (m, created) = committed?;
        if created && self.settings.transcoding && ingested.media_type != MediaType::Svg {
            // A person's upload goes before what a bulk import (the demo, a local command) queued.
            let priority = if matches!(actor.via, crate::access::Via::Cli) {
                twincast_store::jobs::priority::SCREEN_BULK
            } else {
                twincast_store::jobs::priority::SCREEN_UPLOAD
            };
            self.store
                .enqueue_job_with_priority(crate::jobs::TRANSCODE, Some(&m.id), 5, priority)
                .await?;
            self.jobs_notify.notify_one();
        }
        metrics::counter!("twincast_media_ingested_total", "created" => created.to_string())
            .increment(1);
        self.portal_changed();
        Ok((m, created))
    }

    /// The object (unless already there) and then the row of [`App::commit_media`].
    async fn commit_media_row(
        &self,
        ingested: &Ingested,
        partner: &str,
        original_name: &str,
        actor: &Actor,
        key: &str,
    ) -> AppResult<(Media, bool)> {
        let created_by = Some(actor.user.id.as_str()).filter(|id| !id.is_empty());
        if self.storage.size(key).await? != Some(ingested.size) {
            self.storage.put_file(key, &ingested.path).await?;
        }
        let p = &ingested.probe;
        let id = twincast_store::new_id();
        let notify = self
            .pending_outbox(
                actor,
                PendingItem {
                    kind: "media",
                    id: &id,
                    title: original_name,
                    partner: Some(partner),
                    change: "create",
                },
            )
            .await?;
        let m = Media {
            id: id.clone(),
            partner_id: String::new(),
            partner: partner.to_string(),
            sha256: ingested.sha256.clone(),
            kind: ingested.media_type.kind().to_string(),
            media_type: ingested.media_type.ext().to_string(),
            mime: ingested.media_type.mime().to_string(),
            object_key: key.to_string(),
            size: ingested.size as i64,
            width: p.width.map(i64::from),
            height: p.height.map(i64::from),
            duration_ms: p.duration_ms.map(|d| d as i64),
            codec: p.codec.clone(),
            original_name: original_name.to_string(),
            created_by: created_by.map(str::to_string),
            created_at: 0,
            updated_at: 0,
            version: 1,
            moderation: publish_mode(actor, &notify).record(self.now_ms()),
        };
        let entry = self
            .audit(actor, "media.create", "")
            .partner(Some(partner))
            .created(&input_of(&m));
        let (m, created) = self.store.add_media_notified(&m, &entry, &notify).await?;
        if created {
            self.outbox_queued(&notify);
        }
        Ok((m, created))
    }
}
