//! Screenshots: a player uploads one after a `screenshot` command; operators read the latest.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use twincast_store::Device;

/// Largest screenshot, bytes.
pub const MAX_SCREENSHOT: usize = 5 << 20;

/// A stored screenshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Screenshot {
    /// `image/png` or `image/jpeg`.
    pub mime: String,
    /// The image.
    pub data: Vec<u8>,
    /// When it was received, epoch ms.
    pub taken_at: i64,
}

/// The type of a screenshot from its first bytes: PNG or JPEG, else `unsupported-media-type`.
pub fn screenshot_mime(bytes: &[u8]) -> AppResult<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err(AppError::UnsupportedMedia {
            code: "unsupported-media-type",
            message: "a screenshot must be PNG or JPEG".into(),
        })
    }
}

impl App {
    /// Stores `bytes` (PNG or JPEG, at most 5 MiB) as the latest screenshot of `device`'s screen.
    pub async fn save_screenshot(&self, device: &Device, bytes: &[u8]) -> AppResult<()> {
        if bytes.len() > MAX_SCREENSHOT {
            return Err(AppError::TooLarge {
                limit: MAX_SCREENSHOT as u64,
            });
        }
        let mime = screenshot_mime(bytes)?;
        self.store
            .save_screenshot(&device.screen_id, mime, bytes, self.now_ms())
            .await?;
        Ok(())
    }

    /// The latest screenshot of screen `screen_id` (any signed-in role); `no-screenshot` when there is none.
    pub async fn screenshot(&self, _actor: &Actor, screen_id: &str) -> AppResult<Screenshot> {
        match self.store.screenshot(screen_id).await? {
            Some((mime, data, taken_at)) => Ok(Screenshot {
                mime,
                data,
                taken_at,
            }),
            None => Err(AppError::missing(
                "no-screenshot",
                "this screen has sent no screenshot",
            )),
        }
    }
}
