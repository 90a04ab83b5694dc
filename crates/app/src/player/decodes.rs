//! What a screen's player decodes, as its heartbeat reports it (`Heartbeat::decodes`): recorded per screen, so
//! that its manifest names per item a file it plays ([`twincast_core::playback`]).

use crate::error::{AppError, AppResult};
use crate::events::ServerEvent;
use crate::App;
use twincast_store::Device;

/// Most codec names in one report.
pub const MAX_DECODES: usize = 32;

/// The reported codec names, checked (at most [`MAX_DECODES`], each 1–32 characters of `a-z0-9._-`), lowercased,
/// sorted and deduplicated.
pub fn normalize_decodes(codecs: &[String]) -> AppResult<Vec<String>> {
    if codecs.len() > MAX_DECODES {
        return Err(AppError::invalid(
            "invalid-decodes",
            format!("at most {MAX_DECODES} codec names in decodes"),
        ));
    }
    let mut out = Vec::with_capacity(codecs.len());
    for c in codecs {
        let c = c.trim().to_ascii_lowercase();
        let ok = (1..=32).contains(&c.len())
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !ok {
            return Err(AppError::invalid(
                "invalid-decodes",
                format!("{c:?} is not a codec name (1–32 of a-z, 0-9, '.', '_', '-')"),
            ));
        }
        out.push(c);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

impl App {
    /// Records what `device`'s screen decodes (already [`normalize_decodes`]d). When it changed, the schedule
    /// version was raised with it and the screen's manifest changes: announced, and `true` returned.
    pub async fn record_decodes(&self, device: &Device, codecs: &[String]) -> AppResult<bool> {
        let changed = self
            .store
            .set_screen_decodes(&device.screen_id, codecs)
            .await?;
        if changed {
            self.emit(ServerEvent::ScheduleChanged {
                screens: Some(vec![device.screen_id.clone()]),
            });
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_names_are_checked_and_normalised() {
        let got = normalize_decodes(&["VP9".into(), "h264".into(), "vp9".into()]).unwrap();
        assert_eq!(got, ["h264", "vp9"]);
        assert!(normalize_decodes(&["h264; drop".into()]).is_err());
        assert!(normalize_decodes(&[String::new()]).is_err());
        assert!(normalize_decodes(&vec!["h264".to_string(); MAX_DECODES + 1]).is_err());
    }
}
