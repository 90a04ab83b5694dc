//! Property tests of the caption converter: SRT written from any cues converts to WebVTT that reads back as the
//! same cues, and the converter never panics on arbitrary bytes.

use proptest::prelude::*;
use twincast_core::captions::{parse_vtt, to_webvtt, write_srt, Cue};

fn cue() -> impl Strategy<Value = Cue> {
    (
        0u64..10_000_000,
        1u64..600_000,
        "[^\\p{Cc}\\-<>]{1,30}(\\n[^\\p{Cc}\\-<>]{1,30})?",
    )
        .prop_map(|(start, len, text)| Cue {
            start_ms: start,
            end_ms: start + len,
            text: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
        })
}

proptest! {
    #[test]
    fn srt_round_trips_through_webvtt(cues in proptest::collection::vec(cue(), 1..20)) {
        let cues: Vec<Cue> = cues.into_iter().filter(|c| !c.text.is_empty()).collect();
        prop_assume!(!cues.is_empty());
        let checked = to_webvtt(write_srt(&cues).as_bytes()).unwrap();
        prop_assert!(checked.converted);
        prop_assert_eq!(checked.cues, cues.len());
        prop_assert_eq!(parse_vtt(&checked.vtt).unwrap(), cues);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = to_webvtt(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(WEBVTT\\n\\n)?[0-9:.,> \\-\\na-z]{0,200}") {
        let _ = to_webvtt(text.as_bytes());
    }
}
