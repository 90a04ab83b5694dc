//! The index schema: which field holds what, and how a [`Doc`] becomes an index document.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::{Index, TantivyDocument};

use crate::analysis::{prefix_analyser, Lang, PREFIX_ANALYSER};
use crate::{Doc, Kind};

/// The fields of one language: title and body, indexed with that language's analyser, not stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LangFields {
    pub(crate) title: Field,
    pub(crate) body: Field,
}

/// Every field of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// `kind` and `key` joined: the unit that [`crate::SearchIndex::replace`] deletes. Raw, indexed.
    pub(crate) owner: Field,
    /// [`Kind::as_str`], raw: indexed for the kind filter, stored.
    pub(crate) kind: Field,
    pub(crate) key: Field,
    pub(crate) lang: Field,
    /// The language as a number in a fast column, to rank the reader's language first.
    pub(crate) lang_id: Field,
    pub(crate) title: Field,
    pub(crate) body: Field,
    pub(crate) url: Field,
    /// Title words of every language, unstemmed, for prefix matching as people type.
    pub(crate) title_prefix: Field,
    pub(crate) ru: LangFields,
    pub(crate) en: LangFields,
    pub(crate) zh: LangFields,
}

impl Fields {
    pub(crate) fn of(&self, lang: Lang) -> LangFields {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }

    /// The schema and its fields.
    pub(crate) fn build() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let stored = TextOptions::default().set_stored();
        let mut lang_fields = |lang: Lang| {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(lang.analyser_name())
                    .set_index_option(IndexRecordOption::WithFreqs),
            );
            LangFields {
                title: builder.add_text_field(&format!("title_{}", lang.code()), options.clone()),
                body: builder.add_text_field(&format!("body_{}", lang.code()), options),
            }
        };
        let ru = lang_fields(Lang::Ru);
        let en = lang_fields(Lang::En);
        let zh = lang_fields(Lang::Zh);
        let fields = Fields {
            ru,
            en,
            zh,
            owner: builder.add_text_field("owner", STRING),
            kind: builder.add_text_field("kind", STRING | STORED),
            key: builder.add_text_field("key", stored.clone()),
            lang: builder.add_text_field("lang", stored.clone()),
            lang_id: builder.add_u64_field("lang_id", FAST),
            title: builder.add_text_field("title", stored.clone()),
            body: builder.add_text_field("body", stored.clone()),
            url: builder.add_text_field("url", stored),
            title_prefix: builder.add_text_field(
                "title_prefix",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(PREFIX_ANALYSER)
                        .set_index_option(IndexRecordOption::Basic),
                ),
            ),
        };
        (builder.build(), fields)
    }

    /// Looks the fields up in an index's schema (an index opened from disk).
    pub(crate) fn find(schema: &Schema) -> Option<Fields> {
        let field = |name: &str| schema.get_field(name).ok();
        let lang_fields = |lang: Lang| {
            Some(LangFields {
                title: field(&format!("title_{}", lang.code()))?,
                body: field(&format!("body_{}", lang.code()))?,
            })
        };
        Some(Fields {
            owner: field("owner")?,
            kind: field("kind")?,
            key: field("key")?,
            lang: field("lang")?,
            lang_id: field("lang_id")?,
            title: field("title")?,
            body: field("body")?,
            url: field("url")?,
            title_prefix: field("title_prefix")?,
            ru: lang_fields(Lang::Ru)?,
            en: lang_fields(Lang::En)?,
            zh: lang_fields(Lang::Zh)?,
        })
    }

    /// The index document for `doc`, whose language is `lang`.
    pub(crate) fn document(&self, doc: &Doc, lang: Lang) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_text(self.owner, owner(doc.kind, &doc.key));
        out.add_text(self.kind, doc.kind.as_str());
        out.add_text(self.key, &doc.key);
        out.add_text(self.lang, lang.code());
        out.add_u64(self.lang_id, lang.id());
        out.add_text(self.title, &doc.title);
        out.add_text(self.body, &doc.body);
        out.add_text(self.url, &doc.url);
        out.add_text(self.title_prefix, &doc.title);
        let fields = self.of(lang);
        out.add_text(fields.title, &doc.title);
        out.add_text(fields.body, &doc.body);
        out
    }
}

/// The value of the `owner` field of a (kind, key). The separator cannot occur in a kind.
pub(crate) fn owner(kind: Kind, key: &str) -> String {
    format!("{}\u{1f}{key}", kind.as_str())
}

/// Registers the analysers the schema names. Analysers are not saved with an index: every open needs this.
pub(crate) fn register_analysers(index: &Index) {
    let manager = index.tokenizers();
    for lang in Lang::ALL {
        manager.register(lang.analyser_name(), lang.analyser());
    }
    manager.register(PREFIX_ANALYSER, prefix_analyser());
}
