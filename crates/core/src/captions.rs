//! Caption tracks of a video (docs/media.md, "Captions"): a WebVTT or SRT file per language, checked and turned
//! into WebVTT (what browsers' `<track>` reads), without IO.
//!
//! - [`language_tag`] checks a BCP 47 tag's shape (language, script, region, variants: `ru`, `en`, `zh-Hans`,
//!   `pt-BR`, `sr-Latn-RS`) and writes it in its canonical case.
//! - [`to_webvtt`] reads the file's bytes (UTF-8, a BOM allowed), tells WebVTT (`WEBVTT` first) from SRT, checks
//!   every cue's timing (`start < end`), and answers WebVTT: an SRT file is converted (`,` → `.` in the times,
//!   the counters dropped, the text kept), a WebVTT file is kept as sent with its line ends normalised.
//!
//! No crate for SRT → WebVTT looked maintained enough to depend on; the two grammars' cue parts are small.

use std::fmt::Write as _;

/// The largest caption file accepted (1 MiB: a feature film's subtitles are ~100 KB).
pub const MAX_BYTES: usize = 1024 * 1024;

/// A caption file or tag that is refused, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptionError {
    /// The tag is not a BCP 47 language tag.
    #[error("{0:?} is not a language tag (BCP 47, e.g. ru, en, zh-Hans, pt-BR)")]
    InvalidLanguage(String),
    /// The file is empty or holds no cue.
    #[error("the caption file holds no cue")]
    Empty,
    /// The file is larger than [`MAX_BYTES`].
    #[error("the caption file is larger than {MAX_BYTES} bytes")]
    TooLarge,
    /// The file is not UTF-8 text.
    #[error("the caption file is not UTF-8 text")]
    NotUtf8,
    /// Neither WebVTT (`WEBVTT` on the first line) nor SRT (a counter, then a timing line).
    #[error("the file is neither WebVTT (first line `WEBVTT`) nor SRT (a counter, then `00:00:01,000 --> 00:00:02,000`)")]
    UnknownFormat,
    /// A timing line is malformed, or a cue ends before it starts.
    #[error("line {line}: {reason}")]
    BadCue {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

impl CaptionError {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            CaptionError::InvalidLanguage(_) => "invalid-language-tag",
            CaptionError::Empty => "caption-empty",
            CaptionError::TooLarge => "caption-too-large",
            CaptionError::NotUtf8 => "caption-not-utf8",
            CaptionError::UnknownFormat => "caption-unknown-format",
            CaptionError::BadCue { .. } => "caption-bad-cue",
        }
    }
}

/// Checks a BCP 47 language tag's shape and writes it in canonical case (`zh-hans-cn` → `zh-Hans-CN`).
/// Private-use and grandfathered tags are refused; a tag has no dots, so it is safe in a file name.
pub fn language_tag(tag: &str) -> Result<String, CaptionError> {
    let bad = || CaptionError::InvalidLanguage(tag.to_string());
    let tag = tag.trim();
    if tag.is_empty() || tag.len() > 35 {
        return Err(bad());
    }
    let mut out = Vec::new();
    for (i, sub) in tag.split(['-', '_']).enumerate() {
        let alpha = sub.bytes().all(|b| b.is_ascii_alphabetic());
        let alnum = sub.bytes().all(|b| b.is_ascii_alphanumeric());
        let part = if i == 0 {
            if !(alpha && (2..=3).contains(&sub.len())) {
                return Err(bad());
            }
            sub.to_ascii_lowercase()
        } else if alpha && sub.len() == 4 && i == 1 {
            let mut s = sub.to_ascii_lowercase();
            s[..1].make_ascii_uppercase();
            s
        } else if (alpha && sub.len() == 2)
            || (sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()))
        {
            sub.to_ascii_uppercase()
        } else if alnum && (5..=8).contains(&sub.len())
            || (sub.len() == 4 && sub.as_bytes()[0].is_ascii_digit() && alnum)
        {
            sub.to_ascii_lowercase()
        } else {
            return Err(bad());
        };
        out.push(part);
    }
    Ok(out.join("-"))
}

/// One cue: start and end in ms, and its text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
    /// The text (lines joined by `\n`).
    pub text: String,
}

/// A time of a timing line: `hh:mm:ss.ttt` or `mm:ss.ttt`, with `sep` (`.` for WebVTT, `,` for SRT; SRT files in
/// the wild use either).
fn parse_time(s: &str, srt: bool) -> Option<u64> {
    let s = s.trim();
    let (clock, frac) = if srt {
        s.split_once([',', '.'])?
    } else {
        s.split_once('.')?
    };
    if frac.len() != 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let nums: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let nums = nums?;
    let (h, m, sec) = match nums[..] {
        [h, m, s] => (h, m, s),
        [m, s] if !srt => (0, m, s),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + frac.parse::<u64>().ok()?)
}

/// A timing line `start --> end[ settings]`.
fn parse_timing(line: &str, srt: bool, n: usize) -> Result<(u64, u64), CaptionError> {
    let bad = |reason: &str| CaptionError::BadCue {
        line: n,
        reason: reason.to_string(),
    };
    let (a, rest) = line
        .split_once("-->")
        .ok_or_else(|| bad("expected a timing line `start --> end`"))?;
    let b = rest.split_whitespace().next().unwrap_or("");
    let start = parse_time(a, srt).ok_or_else(|| bad("the start time is malformed"))?;
    let end = parse_time(b, srt).ok_or_else(|| bad("the end time is malformed"))?;
    if end <= start {
        return Err(bad("the cue ends before it starts"));
    }
    Ok((start, end))
}

fn text_of(bytes: &[u8]) -> Result<String, CaptionError> {
    if bytes.len() > MAX_BYTES {
        return Err(CaptionError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let s = std::str::from_utf8(bytes).map_err(|_| CaptionError::NotUtf8)?;
    if s.contains('\0') {
        return Err(CaptionError::NotUtf8);
    }
    Ok(s.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Reads SRT cues.
pub fn parse_srt(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut cues = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        // The counter (optional in practice: some tools leave it out).
        if !lines[i].contains("-->") {
            if !lines[i].trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(CaptionError::BadCue {
                    line: i + 1,
                    reason: "expected a cue counter or a timing line".into(),
                });
            }
            i += 1;
        }
        let (start_ms, end_ms) = parse_timing(lines.get(i).copied().unwrap_or(""), true, i + 1)?;
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            body.push(lines[i].trim_end());
            i += 1;
        }
        cues.push(Cue {
            start_ms,
            end_ms,
            text: body.join("\n"),
        });
    }
    if cues.is_empty() {
        return Err(CaptionError::Empty);
    }
    Ok(cues)
}

/// Checks WebVTT text: the `WEBVTT` header, then blocks; every block with `-->` is a cue whose timing must hold.
/// `NOTE`, `STYLE` and `REGION` blocks pass. Returns the cues.
pub fn parse_vtt(text: &str) -> Result<Vec<Cue>, CaptionError> {
    let mut lines = text.lines().enumerate().peekable();
    let first = lines.next().map(|(_, l)| l).unwrap_or("");
    if !(first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t")) {
        return Err(CaptionError::UnknownFormat);
    }
    // The header's own lines run to the first blank line.
    while lines.peek().is_some_and(|(_, l)| !l.trim().is_empty()) {
        lines.next();
    }
    let mut cues = Vec::new();
    while let Some((n, line)) = lines.next() {
        if line.trim().is_empty() {
            continue;
        }
        let mut block = vec![(n, line)];
        while lines.peek().is_some_and(|(_, l)| !l.trim().is_empty()) {
            block.extend(lines.next());
        }
        let head = block[0].1;
        if head.starts_with("NOTE") || head == "STYLE" || head == "REGION" {
            continue;
        }
        let at = block
            .iter()
            .take(2)
            .position(|(_, l)| l.contains("-->"))
            .ok_or(CaptionError::BadCue {
                line: n + 1,
                reason: "a cue needs a timing line `start --> end`".into(),
            })?;
        let (ln, timing) = block[at];
        let (start_ms, end_ms) = parse_timing(timing, false, ln + 1)?;
        let text: Vec<&str> = block[at + 1..].iter().map(|(_, l)| *l).collect();
        cues.push(Cue {
            start_ms,
            end_ms,
            text: text.join("\n"),
        });
    }
    if cues.is_empty() {
        return Err(CaptionError::Empty);
    }
    Ok(cues)
}

fn write_time(out: &mut String, ms: u64, sep: char) {
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}{sep}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    );
}

/// Writes cues as WebVTT. A `-->` inside a cue's text (not allowed there) becomes `->`; blank lines inside a
/// text (which would end the cue) are dropped.
pub fn write_vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n");
    for c in cues {
        out.push('\n');
        write_time(&mut out, c.start_ms, '.');
        out.push_str(" --> ");
        write_time(&mut out, c.end_ms, '.');
        out.push('\n');
        for line in c.text.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&line.replace("-->", "->"));
            out.push('\n');
        }
    }
    out
}

/// Writes cues as SRT (for tests and tools).
pub fn write_srt(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (i, c) in cues.iter().enumerate() {
        let _ = writeln!(out, "{}", i + 1);
        write_time(&mut out, c.start_ms, ',');
        out.push_str(" --> ");
        write_time(&mut out, c.end_ms, ',');
        out.push('\n');
        out.push_str(&c.text);
        out.push_str("\n\n");
    }
    out
}

/// A checked caption file as WebVTT, with how many cues it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The WebVTT text.
    pub vtt: String,
    /// The number of cues.
    pub cues: usize,
    /// Whether the file was SRT (converted).
    pub converted: bool,
}

/// Checks a caption file (WebVTT or SRT, told apart by its first line) and answers it as WebVTT.
pub fn to_webvtt(bytes: &[u8]) -> Result<Checked, CaptionError> {
    let text = text_of(bytes)?;
    if text.trim().is_empty() {
        return Err(CaptionError::Empty);
    }
    if text.starts_with("WEBVTT") {
        let cues = parse_vtt(&text)?;
        let mut vtt = text;
        if !vtt.ends_with('\n') {
            vtt.push('\n');
        }
        return Ok(Checked {
            vtt,
            cues: cues.len(),
            converted: false,
        });
    }
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if !(first.trim().bytes().all(|b| b.is_ascii_digit()) || first.contains("-->")) {
        return Err(CaptionError::UnknownFormat);
    }
    let cues = parse_srt(&text)?;
    Ok(Checked {
        vtt: write_vtt(&cues),
        cues: cues.len(),
        converted: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags() {
        for (t, want) in [
            ("ru", "ru"),
            ("EN", "en"),
            ("zh-hans", "zh-Hans"),
            ("zh_Hant_TW", "zh-Hant-TW"),
            ("pt-br", "pt-BR"),
            ("es-419", "es-419"),
            ("sr-Latn-RS", "sr-Latn-RS"),
            ("de-CH-1996", "de-CH-1996"),
        ] {
            assert_eq!(language_tag(t).unwrap(), want, "{t}");
        }
        for t in [
            "",
            "x",
            "english",
            "en.vtt",
            "en-",
            "../en",
            "zh-Hans-CN-toolongvariant",
            "e1",
        ] {
            assert_eq!(
                language_tag(t).unwrap_err().code(),
                "invalid-language-tag",
                "{t}"
            );
        }
    }

    #[test]
    fn srt_becomes_webvtt() {
        let srt = "\u{feff}1\r\n00:00:01,000 --> 00:00:02,500\r\nПривет, <i>мир</i>\r\n\r\n2\r\n00:00:03,000 --> 00:01:04,001\r\n你好\r\nline two\r\n";
        let c = to_webvtt(srt.as_bytes()).unwrap();
        assert!(c.converted);
        assert_eq!(c.cues, 2);
        assert_eq!(
            c.vtt,
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nПривет, <i>мир</i>\n\n00:00:03.000 --> 00:01:04.001\n你好\nline two\n"
        );
        assert_eq!(parse_vtt(&c.vtt).unwrap().len(), 2);
    }

    #[test]
    fn webvtt_is_kept_and_checked() {
        let vtt =
            "WEBVTT - a title\n\nNOTE a note\n\nintro\n00:01.000 --> 00:02.000 line:0\nHello\n";
        let c = to_webvtt(vtt.as_bytes()).unwrap();
        assert!(!c.converted);
        assert_eq!(c.cues, 1);
        assert_eq!(c.vtt, vtt);
        let cues = parse_vtt(vtt).unwrap();
        assert_eq!((cues[0].start_ms, cues[0].end_ms), (1000, 2000));
    }

    #[test]
    fn bad_files_have_codes() {
        let code = |b: &[u8]| to_webvtt(b).unwrap_err().code();
        assert_eq!(code(b""), "caption-empty");
        assert_eq!(code(b"WEBVTT\n\n"), "caption-empty");
        assert_eq!(code(b"\xff\xfe1\n"), "caption-not-utf8");
        assert_eq!(code(b"<html>hello</html>"), "caption-unknown-format");
        assert_eq!(code(b"WEBVTTX\n"), "caption-unknown-format");
        assert_eq!(
            code(b"WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n"),
            "caption-bad-cue"
        );
        assert_eq!(
            code(b"1\n00:00:01,000 -> 00:00:02,000\nx\n"),
            "caption-bad-cue"
        );
        assert_eq!(
            code(b"1\n00:00:61,000 --> 00:01:02,000\nx\n"),
            "caption-bad-cue"
        );
        assert_eq!(code(&vec![b'1'; MAX_BYTES + 1]), "caption-too-large");
        let e = to_webvtt(
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 --> 00:00:04,000\nx\n",
        )
        .unwrap_err();
        assert_eq!(
            e,
            CaptionError::BadCue {
                line: 6,
                reason: "the cue ends before it starts".into()
            }
        );
    }
}
