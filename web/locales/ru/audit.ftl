# Журнал аудита (консоль).
nav-audit = Журнал аудита
audit-title = Журнал аудита
audit-filters = Фильтр журнала аудита
audit-actor = Кто
audit-action = Действие
audit-resource = Что
audit-from = С (день)
audit-until = По (день)
audit-utc-days = Дни считаются по UTC; день «по» включается.
audit-export-csv = Выгрузить в CSV
audit-export-jsonl = Выгрузить в JSON Lines
audit-none = Подходящих записей нет.
audit-when = Когда
audit-changes = Изменённые поля (было → стало)
error-invalid-time = Укажите день, например 2026-05-01.
error-invalid-range = Начало не может быть позже конца.
