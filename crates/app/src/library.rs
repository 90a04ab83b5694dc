//! The media library as the console shows it: the list (filters, keyset pages, thumbnails, transcoding and review
//! state, tags), one item with its files, jobs and the campaigns that use it, tag editing, and a one-piece upload
//! from a plain form. Partner-editors see only their partners' items (another's reads as missing); viewers read.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use futures::{Stream, StreamExt};
use twincast_media::Ingest;
use twincast_store::{
    CampaignRef, Job, LibraryFilter, LibraryItem, Media, Page, PageRequest, Rendition, Role,
    StoreError,
};

/// Most tags on one item.
pub const MAX_TAGS: usize = 32;

/// The library's filters.
#[derive(Debug, Clone, Default)]
pub struct LibraryQuery {
    /// Only this partner's (slug).
    pub partner: Option<String>,
    /// `video` or `image`.
    pub kind: Option<String>,
    /// Only items with this tag.
    pub tag: Option<String>,
    /// Text in the file name.
    pub q: Option<String>,
}

/// One item with everything its page shows.
#[derive(Debug, Clone)]
pub struct LibraryDetail {
    /// The item, its tags, thumbnail and job state.
    pub item: LibraryItem,
    /// Its derived files.
    pub renditions: Vec<Rendition>,
    /// Its processing jobs.
    pub jobs: Vec<Job>,
    /// Campaigns whose current or approved version uses it.
    pub used_by: Vec<CampaignRef>,
    /// Names of the screens those campaigns target that can play nothing of it yet (their player decodes
    /// neither its codec nor, until it is made, its H.264 rendition): the page warns of them.
    pub unplayable_on: Vec<String>,
}

/// The partners whose items `actor` sees in the library (`None` = all): editors their own, everyone else all.
fn library_scope(actor: &Actor) -> Option<Vec<String>> {
    match actor.user.role {
        Role::PartnerEditor => Some(actor.user.partners.clone()),
        _ => None,
    }
}

fn visible(actor: &Actor, partner: &str) -> bool {
    library_scope(actor).is_none_or(|p| p.iter().any(|s| s == partner))
}

impl App {
    /// The library for `actor`, newest first.
    pub async fn media_library(
        &self,
        actor: &Actor,
        q: &LibraryQuery,
        page: &PageRequest,
    ) -> AppResult<Page<LibraryItem>> {
        if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
            if k != "video" && k != "image" {
                return Err(AppError::invalid(
                    "invalid-kind",
                    "kind must be video or image",
                ));
            }
        }
        let f = LibraryFilter {
            partner: q.partner.clone(),
            kind: q.kind.clone(),
            tag: q.tag.clone(),
            q: q.q.clone(),
            within: library_scope(actor),
        };
        Ok(self.store.media_library(&f, page).await?)
    }

    /// One item of the library for `actor` (an item of another partner is missing for a partner-editor).
    pub async fn library_detail(&self, actor: &Actor, id: &str) -> AppResult<LibraryDetail> {
        let item = match self.store.library_item(id).await {
            Err(StoreError::NotFound) => return Err(AppError::not_found("no such media item")),
            other => other?,
        };
        if !visible(actor, &item.media.partner) {
            return Err(AppError::not_found("no such media item"));
        }
        let used_by = self.store.campaigns_using_media(id).await?;
        let unplayable_on = if used_by.is_empty() || item.media.kind != "video" {
            Vec::new()
        } else {
            self.screens_without_playable(id).await?
        };
        Ok(LibraryDetail {
            renditions: self.store.renditions(id).await?,
            jobs: self.store.jobs_for_media(id).await?,
            used_by,
            unplayable_on,
            item,
        })
    }

    /// Names of the screens targeted by a campaign using medium `id` that can play nothing of it yet
    /// ([`twincast_core::playback::screens_without_playable`], with what each screen's player reported).
    pub async fn screens_without_playable(&self, id: &str) -> AppResult<Vec<String>> {
        let media = self.store.playback_media().await?;
        let Some(m) = media.get(id) else {
            return Ok(Vec::new());
        };
        let decodes = self.store.all_screen_decodes().await?;
        let screens = self.store.all_core_screens().await?;
        let catalog = self.store.schedule_catalog().await?;
        let mut names = Vec::new();
        for o in [
            twincast_core::Orientation::Landscape,
            twincast_core::Orientation::Portrait,
        ] {
            let i = twincast_store::ScheduleCatalog::index(o);
            let campaigns: Vec<twincast_core::Campaign> = catalog.main[i]
                .iter()
                .cloned()
                .chain(catalog.free[i].iter().map(|(_, c)| c.clone()))
                .collect();
            let these: Vec<(
                &String,
                (twincast_core::Screen, twincast_core::playback::Decodes),
            )> = screens
                .iter()
                .filter(|(_, s)| s.orientation == o)
                .map(|(name, s)| {
                    let d = twincast_core::playback::Decodes::reported(
                        decodes.get(&s.id).map(Vec::as_slice),
                    );
                    (name, (s.clone(), d))
                })
                .collect();
            let pairs: Vec<_> = these.iter().map(|(_, p)| p.clone()).collect();
            for k in
                twincast_core::playback::screens_without_playable(id, &m.facts, &campaigns, &pairs)
            {
                names.push(these[k].0.clone());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Replaces an item's tags (admins, operators, an editor of its partner), if still at version `if_match`.
    /// Tags are slugs; duplicates are dropped; at most [`MAX_TAGS`]. Audited.
    pub async fn set_media_tags(
        &self,
        actor: &Actor,
        id: &str,
        tags: &[String],
        if_match: Option<i64>,
    ) -> AppResult<Media> {
        let item = self.library_detail(actor, id).await?.item;
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        actor.require_partner(&item.media.partner)?;
        let mut clean: Vec<String> = Vec::new();
        for t in tags {
            let t = t.trim().to_lowercase();
            if t.is_empty() || clean.contains(&t) {
                continue;
            }
            crate::validate::slug("tag", &t)?;
            clean.push(t);
        }
        if clean.len() > MAX_TAGS {
            return Err(AppError::invalid(
                "too-many-tags",
                format!("at most {MAX_TAGS} tags"),
            ));
        }
        let entry = self
            .audit(actor, "media.tags", id)
            .partner(Some(&item.media.partner))
            .field("tags", item.tags.clone().into(), clean.clone().into());
        Ok(self
            .store
            .set_media_tags(id, &clean, revision::expected(if_match), &entry)
            .await?)
    }

    /// Renames an item of the library (same rules as [`App::update_media`]); an item `actor` may not see is
    /// missing.
    pub async fn rename_media(
        &self,
        actor: &Actor,
        id: &str,
        name: &str,
        if_match: Option<i64>,
    ) -> AppResult<Media> {
        let item = self.library_detail(actor, id).await?.item;
        let input = twincast_store::MediaInput {
            original_name: name.trim().to_string(),
            partner: item.media.partner.clone(),
        };
        self.update_media(actor, id, &input, if_match).await
    }

    /// Deletes an item of the library (same rules as [`App::delete_media`]); an item `actor` may not see is
    /// missing.
    pub async fn remove_media(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<Vec<String>> {
        self.library_detail(actor, id).await?;
        self.delete_media(actor, id, if_match).await
    }

    /// Takes a whole file from a plain form (the console's upload without scripts): streams it through the
    /// size-limited ingest, then [`App::commit_media`]. Same roles as any upload.
    pub async fn upload_whole<S, B, E>(
        &self,
        actor: &Actor,
        partner: &str,
        file_name: &str,
        mut body: S,
    ) -> AppResult<(Media, bool)>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        self.check_upload(actor, partner).await?;
        crate::validate::file_name(file_name)?;
        let mut ingest = Ingest::new(
            &self.settings.uploads_dir.join("whole"),
            self.settings.max_upload_bytes,
        )
        .await?
        .with_ffprobe(self.settings.transcoding);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                AppError::invalid("upload-truncated", format!("the upload ended early: {e}"))
            })?;
            ingest.push(chunk.as_ref()).await?;
        }
        let ingested = ingest.finish().await?;
        self.commit_media(&ingested, partner, file_name, actor)
            .await
    }
}
