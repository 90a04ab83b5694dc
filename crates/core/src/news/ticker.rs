//! The desk's tickers: which published short headlines run in the `ticker` zone of which screens.
//!
//! A desk editor sets up a ticker once: the screens it runs on (places, location kinds, tags, groups — the same
//! [`Targets`] as a campaign) and which stories feed it (rubrics, tags; empty means every story). From then on
//! the desk's published short headlines in each screen's language reach those screens by themselves; a story
//! that is withdrawn or expires leaves them at the next push.
//!
//! [`campaigns`] turns the tickers and the headlines visible now into ordinary ticker-zone campaigns, one per
//! ticker and language, restricted to screens of that language ([`Campaign::language`]), so the engine's
//! targeting and the manifest's ticker need nothing new.

use super::rules::LANGS;
use crate::campaign::{Campaign, ContentItem, ContentKind, Targets, MIN_ITEM_MS};
use crate::validate::Invalid;
use crate::Millis;

/// The longest a headline may stay on the ticker before the next one, ms.
pub const MAX_ITEM_MS: i64 = 120_000;
/// The most headlines a ticker runs.
pub const MAX_ITEMS: u32 = 50;
/// The id prefix of the campaigns [`campaigns`] makes (never a campaign id of the store: those are UUIDs).
pub const CAMPAIGN_PREFIX: &str = "news-ticker:";
/// The slide template the headlines are shown with (the player's `headline` template).
pub const TEMPLATE: &str = "headline";

/// A ticker as the desk configures it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskTicker {
    /// Stable id.
    pub id: String,
    /// Name (shown to operators).
    pub name: String,
    /// The screens it runs on; empty means every screen.
    pub targets: Targets,
    /// Stories of these rubrics only; empty: any rubric.
    pub rubrics: Vec<String>,
    /// Stories carrying every one of these tags only; empty: any story.
    pub tags: Vec<String>,
    /// The newest this many headlines per language.
    pub max_items: u32,
    /// How long each headline is shown, ms.
    pub item_ms: i64,
    /// Off: runs nowhere.
    pub enabled: bool,
}

impl DeskTicker {
    /// The field rules: a name, 1..=[`MAX_ITEMS`] headlines, [`MIN_ITEM_MS`]..=[`MAX_ITEM_MS`] per headline, known
    /// rubrics and well-formed tags.
    pub fn validate(&self) -> Result<(), Invalid> {
        super::rules::text("name", &self.name, 200, true, false)?;
        if !(1..=MAX_ITEMS).contains(&self.max_items) {
            return Err(Invalid {
                code: "invalid-range",
                message: format!("max_items must be between 1 and {MAX_ITEMS}"),
            });
        }
        if !(MIN_ITEM_MS..=MAX_ITEM_MS).contains(&self.item_ms) {
            return Err(Invalid {
                code: "invalid-range",
                message: format!("item_ms must be between {MIN_ITEM_MS} and {MAX_ITEM_MS} ms"),
            });
        }
        for r in &self.rubrics {
            super::rules::rubric("rubrics", r)?;
        }
        for t in &self.tags {
            super::rules::tag("tags", t)?;
        }
        Ok(())
    }

    /// Whether a story with `rubric` and `tags` feeds this ticker.
    pub fn takes(&self, rubric: &str, tags: &[String]) -> bool {
        (self.rubrics.is_empty() || self.rubrics.iter().any(|r| r == rubric))
            && self.tags.iter().all(|t| tags.contains(t))
    }
}

/// A short headline visible now, as tickers take it.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The story.
    pub article_id: String,
    /// The version's language.
    pub lang: String,
    /// The short headline.
    pub text: String,
    /// The story's rubric.
    pub rubric: String,
    /// The story's tags.
    pub tags: Vec<String>,
    /// Since when the public sees it, ms (newer first on the ticker).
    pub visible_from: Millis,
}

/// The campaign id of `ticker`'s headlines in `lang`.
pub fn campaign_id(ticker: &str, lang: &str) -> String {
    format!("{CAMPAIGN_PREFIX}{ticker}:{lang}")
}

/// The ticker-zone campaigns of `tickers` fed by `headlines` (any order): per enabled ticker and language with
/// at least one headline, a campaign on the ticker's targets restricted to screens of that language, whose items
/// are the newest `max_items` headlines (newest first; item id = story id, kind HTML slide with
/// [`TEMPLATE`]). A ticker with nothing to show makes no campaign, so screens without headlines keep the
/// layout without a ticker.
pub fn campaigns(tickers: &[DeskTicker], headlines: &[Headline]) -> Vec<Campaign> {
    let mut sorted: Vec<&Headline> = headlines.iter().collect();
    sorted.sort_by(|a, b| {
        b.visible_from
            .cmp(&a.visible_from)
            .then_with(|| b.article_id.cmp(&a.article_id))
    });
    let mut out = Vec::new();
    for t in tickers.iter().filter(|t| t.enabled) {
        for lang in LANGS {
            let items: Vec<ContentItem> = sorted
                .iter()
                .filter(|h| h.lang == *lang && t.takes(&h.rubric, &h.tags))
                .take(t.max_items as usize)
                .map(|h| ContentItem {
                    id: h.article_id.clone(),
                    kind: ContentKind::Html,
                    duration_ms: t.item_ms,
                    media: TEMPLATE.into(),
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            out.push(Campaign {
                id: campaign_id(&t.id, lang),
                name: t.name.clone(),
                partner: "_network".into(),
                priority: 0,
                weight: 1.0,
                targets: t.targets.clone(),
                valid_from: None,
                valid_until: None,
                recurrence: None,
                items,
                language: Some((*lang).to_string()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::{Screen, Zone};
    use proptest::prelude::*;

    fn ticker(id: &str) -> DeskTicker {
        DeskTicker {
            id: id.into(),
            name: format!("Ticker {id}"),
            targets: Targets::default(),
            rubrics: vec![],
            tags: vec![],
            max_items: 10,
            item_ms: 8_000,
            enabled: true,
        }
    }

    fn headline(id: &str, lang: &str, at: Millis) -> Headline {
        Headline {
            article_id: id.into(),
            lang: lang.into(),
            text: format!("{id} in {lang}"),
            rubric: "world".into(),
            tags: vec![],
            visible_from: at,
        }
    }

    fn screen(lang: &str, kind: &str) -> Screen {
        let mut s = Screen::new("s1", "loc1", kind, Zone::new("UTC").unwrap());
        s.language = lang.into();
        s
    }

    #[test]
    fn one_campaign_per_language_newest_first_on_screens_of_that_language() {
        let hs = [
            headline("a", "en", 1),
            headline("b", "en", 3),
            headline("a", "ru", 1),
        ];
        let cs = campaigns(&[ticker("t")], &hs);
        assert_eq!(cs.len(), 2);
        let en = cs
            .iter()
            .find(|c| c.language.as_deref() == Some("en"))
            .unwrap();
        let ids: Vec<&str> = en.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
        assert!(en.targets(&screen("en", "metro")));
        assert!(!en.targets(&screen("ru", "metro")));
        assert!(en.id.starts_with(CAMPAIGN_PREFIX));
        en.validate().unwrap();
    }

    #[test]
    fn targets_rubrics_tags_and_the_switch_apply() {
        let mut t = ticker("t");
        t.targets.location_kinds = vec!["airport".into()];
        t.rubrics = vec!["city".into()];
        t.tags = vec!["forum".into()];
        let mut fits = headline("a", "en", 1);
        fits.rubric = "city".into();
        fits.tags = vec!["forum".into(), "other".into()];
        let mut wrong_rubric = fits.clone();
        wrong_rubric.article_id = "b".into();
        wrong_rubric.rubric = "world".into();
        let mut no_tag = fits.clone();
        no_tag.article_id = "c".into();
        no_tag.tags = vec![];
        let cs = campaigns(&[t.clone()], &[fits, wrong_rubric, no_tag]);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].items.len(), 1);
        assert!(cs[0].targets(&screen("en", "airport")));
        assert!(!cs[0].targets(&screen("en", "metro")));
        t.enabled = false;
        assert!(campaigns(&[t], &[headline("a", "en", 1)]).is_empty());
    }

    #[test]
    fn validation_names_the_field() {
        let mut t = ticker("t");
        t.validate().unwrap();
        let starts = |t: &DeskTicker, field: &str| {
            let e = t.validate().unwrap_err();
            assert!(e.message.starts_with(field), "{e:?} should name {field}");
        };
        t.max_items = 0;
        starts(&t, "max_items");
        t.max_items = 5;
        t.item_ms = 10;
        starts(&t, "item_ms");
        t.item_ms = 5_000;
        t.rubrics = vec!["no-such-rubric".into()];
        starts(&t, "rubrics");
        t.rubrics = vec![];
        t.name = " ".into();
        starts(&t, "name");
    }

    proptest! {
        /// Every item is a headline of the campaign's language that the ticker takes, at most `max_items` of
        /// them, newest first, and every language with such a headline gets its campaign.
        #[test]
        fn campaigns_hold_exactly_the_newest_fitting_headlines(
            raw in proptest::collection::vec((0usize..6, 0usize..3, 0i64..20, any::<bool>()), 0..30),
            max in 1u32..5,
        ) {
            let mut t = ticker("t");
            t.max_items = max;
            t.tags = vec!["x".into()];
            let hs: Vec<Headline> = raw.iter().enumerate().map(|(i, (_, l, at, tagged))| {
                let mut h = headline(&format!("h{i:02}"), LANGS[*l], *at);
                if *tagged { h.tags = vec!["x".into()]; }
                h
            }).collect();
            let cs = campaigns(&[t], &hs);
            for lang in LANGS {
                let mut fit: Vec<&Headline> = hs.iter().filter(|h| h.lang == *lang && h.tags.contains(&"x".to_string())).collect();
                fit.sort_by(|a, b| b.visible_from.cmp(&a.visible_from).then_with(|| b.article_id.cmp(&a.article_id)));
                let want: Vec<&str> = fit.iter().take(max as usize).map(|h| h.article_id.as_str()).collect();
                let got: Vec<&str> = cs.iter().filter(|c| c.language.as_deref() == Some(lang))
                    .flat_map(|c| c.items.iter().map(|i| i.id.as_str())).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
