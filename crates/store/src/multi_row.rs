//! Multi-row statements: one statement for many rows (a group commit's heartbeats, a batch's plays, a burst of
//! screens' commands) instead of one per row, in portable SQL for both engines.

/// Rows per multi-row statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 200;

/// `($1, $2, …), ($n+1, …), …`: `rows` groups of `cols` placeholders.
pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", in_list(r * cols + 1, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$first, $first+1, …`: `n` placeholders for an `IN (…)` list.
pub(crate) fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_and_columns_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
        assert_eq!(in_list(3, 3), "$3, $4, $5");
        assert_eq!(in_list(1, 0), "");
    }
}
