//! Text of feed items: HTML to one line of plain text (headlines, leads), bodies cleaned of control characters,
//! truncation on characters with an ellipsis, categories to tags.

use crate::news::rules;

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        _ => return None,
    })
}

/// The text of an HTML fragment on one line: tags removed (with the content of `script` and `style`),
/// character references decoded, control characters and runs of white space made one space.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let next = rest[c.len_utf8()..].chars().next();
        if c == '<'
            && next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!' || n == '?')
        {
            let Some(close) = rest.find('>') else { break };
            let name: String = rest[1..close]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            rest = &rest[close + 1..];
            if name == "script" || name == "style" {
                // Their content is not text: skip to the end of the closing tag (or of the input).
                let end = format!("</{name}");
                match rest.to_ascii_lowercase().find(&end) {
                    Some(i) => match rest[i..].find('>') {
                        Some(j) => rest = &rest[i + j + 1..],
                        None => break,
                    },
                    None => break,
                }
            }
            out.push(' ');
            continue;
        }
        if c == '&' {
            if let Some(semi) = rest[1..].find(';').filter(|i| *i <= 10) {
                if let Some(ch) = entity(&rest[1..1 + semi]) {
                    out.push(ch);
                    rest = &rest[semi + 2..];
                    continue;
                }
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    one_line(&out)
}

/// `s` on one line: control characters and runs of white space become one space; trimmed.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A body as it came, without control characters (but newlines and tabs), with `\n` line ends; trimmed.
pub fn clean_multiline(s: &str) -> String {
    s.replace("\r\n", "\n")
        .chars()
        .map(|c| if c == '\r' { '\n' } else { c })
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

/// At most `max` characters (`max` ≥ 1): a longer text is cut (at a space when one is near) and ends with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match keep.rfind(' ') {
        Some(i) if keep[..i].chars().count() * 5 >= max * 4 => keep[..i].trim_end().to_string(),
        _ => keep.trim_end().to_string(),
    };
    format!("{cut}…")
}

/// A category as a desk tag (`Economy & Trade` → `economy-trade`), if it makes a valid one.
pub fn to_tag(category: &str) -> Option<String> {
    let mut t = String::new();
    for c in category.trim().chars() {
        if c.is_alphanumeric() {
            t.extend(c.to_lowercase());
        } else if (c.is_whitespace() || "-_./&+".contains(c)) && !t.is_empty() && !t.ends_with('-')
        {
            t.push('-');
        }
    }
    let t: String = t.chars().take(40).collect();
    let t = t.trim_matches('-').to_string();
    rules::tag("tag", &t).ok().map(|_| t)
}
