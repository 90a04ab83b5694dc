//! Which alerts are on air: supersession by Update/Cancel, windows per screen, precedence.

use super::{Alert, MsgType, Severity};
use crate::screen::Screen;
use crate::Millis;

/// For each alert, the instant from which it is superseded by an Update/Cancel in `alerts` (if any).
pub fn superseded_at(alerts: &[Alert]) -> Vec<Option<Millis>> {
    alerts
        .iter()
        .map(|a| {
            alerts
                .iter()
                .filter(|b| {
                    matches!(b.msg_type, MsgType::Update | MsgType::Cancel) && b.sent >= a.sent
                })
                .filter(|b| b.references.iter().any(|r| a.is_referenced_by(r)))
                .map(|b| b.sent)
                .min()
        })
        .collect()
}

/// The intervals within `[from, to)` during which each alert is on air on `screen`: `(start, end, index)` for
/// displayable, targeting alerts, cut by `expires` and by later Update/Cancel messages.
pub fn on_air(
    alerts: &[Alert],
    screen: &Screen,
    from: Millis,
    to: Millis,
) -> Vec<(Millis, Millis, usize)> {
    let sup = superseded_at(alerts);
    let mut out = Vec::new();
    for (i, a) in alerts.iter().enumerate() {
        if !a.is_displayable() || !a.targets(screen) {
            continue;
        }
        let s = a.start().max(from);
        let mut e = a.expires.unwrap_or(Millis::MAX).min(to);
        if let Some(x) = sup[i] {
            e = e.min(x);
        }
        if s < e {
            out.push((s, e, i));
        }
    }
    out
}

/// Ordering among simultaneous alerts: higher severity, then later `sent`, then larger id wins.
pub(crate) fn precedence(a: &Alert) -> (Severity, Millis, &str) {
    (a.severity, a.sent, a.id.as_str())
}
