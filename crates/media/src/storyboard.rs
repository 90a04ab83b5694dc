//! The storyboard of a video for scrubbing: a sprite of frames (made by [`crate::ffmpeg::storyboard`]) and the
//! WebVTT thumbnails track that names each frame's tile (`sprite.jpg#xywh=x,y,w,h`), as players read it.

/// Width of a storyboard tile in pixels (its height keeps the video's aspect).
pub const STORYBOARD_TILE_WIDTH: u32 = 160;
/// Columns of the storyboard sprite.
pub const STORYBOARD_COLUMNS: u32 = 10;
/// At most this many tiles: longer videos get a tile every few seconds.
pub const STORYBOARD_MAX_TILES: u32 = 100;

/// The layout of a storyboard: a tile every `interval_s` seconds, `tiles` of them in a sprite of `columns` ×
/// `rows`, each `tile_w` × `tile_h` pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Storyboard {
    /// Seconds between tiles.
    pub interval_s: u32,
    /// Number of tiles.
    pub tiles: u32,
    /// Columns of the sprite.
    pub columns: u32,
    /// Rows of the sprite.
    pub rows: u32,
    /// Tile width, pixels.
    pub tile_w: u32,
    /// Tile height, pixels (even).
    pub tile_h: u32,
}

impl Storyboard {
    /// The layout for a video of `duration_ms` and `width` × `height` (16:9 when unknown).
    pub fn plan(duration_ms: u64, width: u32, height: u32) -> Storyboard {
        let secs = duration_ms.div_ceil(1000).max(1) as u32;
        let interval_s = secs.div_ceil(STORYBOARD_MAX_TILES).max(1);
        let tiles = secs.div_ceil(interval_s).max(1);
        let columns = tiles.min(STORYBOARD_COLUMNS);
        let rows = tiles.div_ceil(columns);
        let (w, h) = if width > 0 && height > 0 {
            (width, height)
        } else {
            (16, 9)
        };
        let tile_h = ((STORYBOARD_TILE_WIDTH as u64 * h as u64 / w as u64 / 2).max(1) * 2) as u32;
        Storyboard {
            interval_s,
            tiles,
            columns,
            rows,
            tile_w: STORYBOARD_TILE_WIDTH,
            tile_h,
        }
    }

    /// The WebVTT thumbnails track: one cue per tile naming `sprite_url#xywh=x,y,w,h`, the last cue ending at
    /// `duration_ms`.
    pub fn webvtt(&self, sprite_url: &str, duration_ms: u64) -> String {
        let mut out = String::from("WEBVTT\n");
        for i in 0..self.tiles {
            let start = i as u64 * self.interval_s as u64 * 1000;
            if start >= duration_ms.max(1) {
                break;
            }
            let end = ((i as u64 + 1) * self.interval_s as u64 * 1000).min(duration_ms.max(1));
            let (x, y) = (
                (i % self.columns) * self.tile_w,
                (i / self.columns) * self.tile_h,
            );
            out.push_str(&format!(
                "\n{} --> {}\n{sprite_url}#xywh={x},{y},{},{}\n",
                vtt_time(start),
                vtt_time(end),
                self.tile_w,
                self.tile_h
            ));
        }
        out
    }
}

fn vtt_time(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_video_gets_a_tile_a_second_in_one_row() {
        let p = Storyboard::plan(2_000, 320, 180);
        assert_eq!((p.interval_s, p.tiles, p.columns, p.rows), (1, 2, 2, 1));
        assert_eq!((p.tile_w, p.tile_h), (160, 90));
        let vtt = p.webvtt("storyboard.jpg", 2_000);
        assert_eq!(
            vtt,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nstoryboard.jpg#xywh=160,0,160,90\n"
        );
    }

    #[test]
    fn a_long_portrait_video_is_capped_at_the_tile_limit() {
        let p = Storyboard::plan(3_600_500, 1080, 1920);
        assert!(p.tiles <= STORYBOARD_MAX_TILES);
        assert_eq!(p.interval_s, 37);
        assert_eq!(p.columns, STORYBOARD_COLUMNS);
        assert_eq!(p.rows, p.tiles.div_ceil(STORYBOARD_COLUMNS));
        assert_eq!(p.tile_h % 2, 0);
        assert!(p.tile_h > p.tile_w);
        let vtt = p.webvtt("s.jpg", 3_600_500);
        let cues = vtt.matches(" --> ").count() as u32;
        assert_eq!(cues, p.tiles);
        assert!(vtt.trim_end().ends_with(&format!(
            "s.jpg#xywh={},{},160,{}",
            (p.tiles - 1) % 10 * 160,
            (p.tiles - 1) / 10 * p.tile_h,
            p.tile_h
        )));
        assert!(vtt.contains("--> 01:00:00.500\n"));
    }
}
