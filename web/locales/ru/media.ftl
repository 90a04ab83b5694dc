# Медиатека консоли (русский). Каждый id должен быть и в en/, и в zh/.
nav-media = Медиа
media-title = Медиатека
media-item-title = Медиафайл
media-upload = Загрузка
media-choose-files = Файлы
media-drop-here = Или перетащите файлы сюда
media-upload-submit = Загрузить
media-upload-help = Изображения (PNG, JPEG, WebP, GIF, SVG) и видео (MP4, WebM). Большие файлы передаются частями и после обрыва связи продолжаются с места остановки; после перезагрузки страницы выберите тот же файл ещё раз, чтобы продолжить.
media-uploads-list = Текущие загрузки
media-upload-done = Загружено
media-upload-failed = Ошибка
media-upload-retrying = Связь прервалась, повторяем…
media-upload-resumed = Продолжаем прежнюю загрузку
media-filters = Фильтры медиатеки
media-search = Поиск по имени файла
media-kind = Тип
media-kind-image = Изображение
media-kind-video = Видео
media-none = Ничего не найдено.
media-preview = Просмотр
media-size = Размер
media-transcoding = Обработка
media-job-none = —
media-job-queued = В очереди
media-job-running = Обрабатывается…
media-job-done = Готово
media-job-failed = Сбой
media-review = Проверка
media-review-approved = Одобрено
media-review-pending = Ждёт проверки
media-review-rejected = Отклонено
media-added = Добавлено
media-original = Исходный файл
media-download = Скачать
media-usage = Использование
media-unused = Ни одна кампания не использует этот файл.
media-used-in = { $count ->
    [one] В { $count } кампании:
    [few] В { $count } кампаниях:
    [many] В { $count } кампаниях:
   *[other] В { $count } кампаниях:
}
media-files = Производные файлы
media-no-files = Производных файлов (миниатюра, MP4, HLS) пока нет.
media-file = Файл
media-edit = Изменить
media-tags-field = Теги
media-tags-help = Разделяйте теги запятыми или пробелами; латинские буквы, цифры и дефисы.
media-save-tags = Сохранить теги
media-name-field = Имя файла
media-rename = Переименовать
media-delete = Удалить
media-delete-confirm = Удалить этот медиафайл насовсем?
media-delete-in-use = Сначала уберите его из перечисленных кампаний.
error-media-in-use = Этот файл используют кампании: сначала уберите его оттуда.
error-upload-too-large = Файл больше, чем принимает этот сервер.
error-unsupported-media-type = Этот формат не принимается (MP4, WebM, PNG, JPEG, WebP, GIF, безопасный SVG).
error-too-many-tags = Слишком много тегов.
media-job-cancelled = Отменено
media-jobs = Задания обработки
media-job-kind = Задание
media-job-state = Состояние
media-job-progress = Ход выполнения
media-job-actions = Действия
media-job-cancel = Отменить
media-job-retry = Повторить
media-job-kind-transcode = Версия для экранов, постер, миниатюра
media-job-kind-portal = Портал: HLS, звук, раскадровка
media-unplayable = { $count ->
    [one] { $count } экран, на котором запланирован этот файл, пока не может его показать: его плеер не декодирует оригинал, а версия для экранов ещё не готова. До тех пор файл не входит в ротацию этого экрана:
    [few] { $count } экрана, на которых запланирован этот файл, пока не могут его показать: их плееры не декодируют оригинал, а версия для экранов ещё не готова. До тех пор файл не входит в их ротацию:
    [many] { $count } экранов, на которых запланирован этот файл, пока не могут его показать: их плееры не декодируют оригинал, а версия для экранов ещё не готова. До тех пор файл не входит в их ротацию:
   *[other] { $count } экрана, на которых запланирован этот файл, пока не могут его показать: их плееры не декодируют оригинал, а версия для экранов ещё не готова. До тех пор файл не входит в их ротацию:
}
media-job-kind-captions = Субтитры, вшитые для экранов
media-captions = Субтитры
media-captions-help = По одной дорожке на язык, WebVTT или SRT. Портал предлагает все дорожки; экран, для языка которого есть дорожка, показывает видео с этими субтитрами, вшитыми в изображение, — общественные экраны работают без звука.
media-captions-none = Дорожек субтитров пока нет.
media-caption-lang = Язык
media-caption-lang-help = Языковой тег: ru, en, zh, zh-Hant, pt-BR… Дорожка на языке, для которого она уже есть, заменяет прежнюю.
media-caption-file = Файл субтитров (WebVTT или SRT, не больше 1 МиБ)
media-caption-add = Прикрепить субтитры
media-caption-remove = Удалить
media-caption-remove-lang = Удалить субтитры { $lang }
media-caption-screens = На экранах
media-caption-screens-burnt = Вшиты в изображение
media-caption-screens-burning = Вшиваются…
media-caption-screens-portal = Только на портале (на сервере нет ffmpeg)
error-invalid-language-tag = Это не языковой тег. Укажите, например, ru, en, zh-Hans или pt-BR.
error-caption-empty = В файле нет ни одного субтитра.
error-caption-not-utf8 = Файл не в кодировке UTF-8.
error-caption-unknown-format = Файл не в формате WebVTT и не SRT.
error-caption-bad-cue = Строка { $line } файла: время субтитра не читается или он заканчивается раньше, чем начинается.
error-caption-too-large = Файл больше 1 МиБ.
error-captions-need-video = Субтитры бывают только у видео.
error-caption-not-found = У видео нет субтитров на этом языке.
