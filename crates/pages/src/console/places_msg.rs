//! Messages of the administration pages' field errors: codes the shared catalogue names generically (a taken
//! slug is the store's `conflict`) get their own text here.

use crate::i18n::Tr;
use crate::view::PageError;
use twincast_app::AppError;

/// The reader's text for a refused field.
pub(super) fn admin_message(e: AppError, tr: Tr) -> String {
    match e.code() {
        "conflict" => tr.get("adm-slug-taken"),
        "invalid-slug" => tr.get("adm-invalid-slug"),
        _ => PageError::from_app(e).message(tr),
    }
}
