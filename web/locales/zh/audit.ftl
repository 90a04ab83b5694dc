# 审计日志（控制台）。
nav-audit = 审计日志
audit-title = 审计日志
audit-filters = 筛选审计日志
audit-actor = 操作者
audit-action = 操作
audit-resource = 对象
audit-from = 起始日
audit-until = 截止日
audit-utc-days = 日期按 UTC 计算；包含截止日当天。
audit-export-csv = 导出为 CSV
audit-export-jsonl = 导出为 JSON Lines
audit-none = 没有符合条件的记录。
audit-when = 时间
audit-changes = 变更字段（修改前 → 修改后）
error-invalid-time = 请填写日期，例如 2026-05-01。
error-invalid-range = 起始时间不能晚于结束时间。
