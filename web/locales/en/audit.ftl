# Audit log (console). Every id here must exist in ru/ and zh/ too.
nav-audit = Audit log
audit-title = Audit log
audit-filters = Filter the audit log
audit-actor = Who
audit-action = Action
audit-resource = What
audit-from = From (day)
audit-until = Until (day)
audit-utc-days = Days are UTC days; the “until” day is included.
audit-export-csv = Export as CSV
audit-export-jsonl = Export as JSON lines
audit-none = No entry matches.
audit-when = When
audit-changes = Changed fields (before → after)
error-invalid-time = Give a day such as 2026-05-01.
error-invalid-range = The start must not be after the end.
