//! [`SearchIndex`]: opening, writing and counting.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError, Term};

use crate::analysis::Lang;
use crate::schema::{owner, register_analysers, Fields};
use crate::{Doc, Kind, SearchError};

/// Memory the writer may fill before it writes a segment, per indexing thread.
const WRITER_BYTES_PER_THREAD: usize = 32 * 1024 * 1024;
/// At most this many indexing threads (no more than the machine has).
const MAX_WRITER_THREADS: usize = 4;

/// A full-text index of the portal's documents. `Send + Sync`; share it (e.g. in an `Arc`).
pub struct SearchIndex {
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    writer: Mutex<IndexWriter>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.len())
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// An empty index in memory (tests, small deployments: rebuilt at every start).
    pub fn in_memory() -> Result<Self, SearchError> {
        let (schema, _) = Fields::build();
        Self::from_index(Index::create_in_ram(schema))
    }

    /// The index in `dir`, created (with the directory) if there is none. Only one `SearchIndex` may have a
    /// directory open at a time ([`SearchError::Locked`]); an index of an older format is
    /// [`SearchError::Incompatible`] (remove the directory and rebuild).
    pub fn open_or_create(dir: &Path) -> Result<Self, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Directory(Box::new(e)))?;
        let directory =
            MmapDirectory::open(dir).map_err(|e| SearchError::Directory(Box::new(e)))?;
        let (schema, _) = Fields::build();
        let index = Index::open_or_create(directory, schema).map_err(open_error)?;
        Self::from_index(index)
    }

    fn from_index(index: Index) -> Result<Self, SearchError> {
        let fields = Fields::find(&index.schema()).ok_or(SearchError::Incompatible)?;
        register_analysers(&index);
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, MAX_WRITER_THREADS);
        let writer = index
            .writer_with_num_threads(threads, threads * WRITER_BYTES_PER_THREAD)
            .map_err(open_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(open_error)?;
        Ok(SearchIndex {
            fields,
            reader,
            writer: Mutex::new(writer),
        })
    }

    /// Replaces every document of (`kind`, `key`) — all languages — by `docs` (empty: removes), committed and
    /// visible to the next search when it returns.
    ///
    /// Every doc must have this `kind` and `key`, a language of `ru`, `en`, `zh`, and no two the same
    /// language ([`SearchError::InvalidDocument`]; the index is then unchanged).
    pub fn replace(&self, kind: Kind, key: &str, docs: &[Doc]) -> Result<(), SearchError> {
        let mut langs = HashSet::new();
        let mut prepared = Vec::with_capacity(docs.len());
        for doc in docs {
            if doc.kind != kind || doc.key != key {
                return Err(SearchError::InvalidDocument(
                    "kind or key differs from the replaced item",
                ));
            }
            let lang = doc_lang(doc)?;
            if !langs.insert(lang) {
                return Err(SearchError::InvalidDocument(
                    "two documents in one language",
                ));
            }
            prepared.push(self.fields.document(doc, lang));
        }
        let mut writer = self.writer()?;
        let written = (|| {
            writer.delete_term(Term::from_field_text(self.fields.owner, &owner(kind, key)));
            for document in prepared {
                writer.add_document(document)?;
            }
            writer.commit()
        })();
        self.finish(&mut writer, written)
    }

    /// Replaces the whole index content in one commit (used at start-up to rebuild from the database). If a
    /// document is invalid (see [`SearchIndex::replace`]; also no two documents with the same kind, key and
    /// language) the index is left as it was.
    pub fn rebuild(&self, docs: impl IntoIterator<Item = Doc>) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        let mut seen = HashSet::new();
        let mut invalid = None;
        let written = (|| {
            writer.delete_all_documents()?;
            for doc in docs {
                let lang = match doc_lang(&doc) {
                    Ok(lang) => lang,
                    Err(e) => {
                        invalid = Some(e);
                        break;
                    }
                };
                if !seen.insert((doc.kind, lang, owner(doc.kind, &doc.key))) {
                    invalid = Some(SearchError::InvalidDocument(
                        "two documents with the same kind, key and language",
                    ));
                    break;
                }
                writer.add_document(self.fields.document(&doc, lang))?;
            }
            if invalid.is_some() {
                return Ok(0);
            }
            writer.commit()
        })();
        if let Some(error) = invalid {
            // Nothing was committed; drop the pending deletes and additions.
            writer.rollback().map_err(SearchError::index)?;
            return Err(error);
        }
        self.finish(&mut writer, written)
    }

    /// The number of documents (language versions) in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The writer. A panic while it was held left uncommitted work behind: that is rolled back.
    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.writer.lock() {
            Ok(writer) => Ok(writer),
            Err(poisoned) => {
                let mut writer = poisoned.into_inner();
                writer.rollback().map_err(SearchError::index)?;
                self.writer.clear_poison();
                Ok(writer)
            }
        }
    }

    /// After a write: on success make it visible, on failure drop what was not committed.
    fn finish(
        &self,
        writer: &mut IndexWriter,
        written: tantivy::Result<u64>,
    ) -> Result<(), SearchError> {
        match written {
            Ok(_) => self.reader.reload().map_err(SearchError::index),
            Err(error) => {
                // The original error is what matters; a failing rollback adds nothing to it.
                let _ = writer.rollback();
                Err(SearchError::index(error))
            }
        }
    }
}

fn doc_lang(doc: &Doc) -> Result<Lang, SearchError> {
    Lang::parse(&doc.lang).ok_or(SearchError::InvalidDocument("language is not ru, en or zh"))
}

fn open_error(error: TantivyError) -> SearchError {
    match error {
        TantivyError::LockFailure(..) => SearchError::Locked,
        TantivyError::SchemaError(_) | TantivyError::IncompatibleIndex(_) => {
            SearchError::Incompatible
        }
        TantivyError::OpenDirectoryError(_)
        | TantivyError::OpenReadError(_)
        | TantivyError::IoError(_) => SearchError::Directory(Box::new(error)),
        other => SearchError::index(other),
    }
}
