## Публичный портал.
portal-site = Города-побратимы
portal-title = Путешествуйте по миру, не выходя из дома
portal-lead = Смотрите фильмы о городах-партнёрах — те же, что идут на экранах в аэропорту, на главной улице, в метро и на автовокзалах.
portal-footer = Программа городов-партнёров: фильмы, новости и проекты сотрудничества.
portal-privacy = Без cookie и слежки: просмотры считаются по фильму и дню и не считаются вовсе, если браузер просит не отслеживать.
portal-nav-label = Разделы
portal-nav-home = Главная
portal-nav-cities = Города
portal-nav-tour = Путешествие
portal-search-label = Поиск по городам
portal-search-placeholder = Город, страна…
portal-search-button = Найти
portal-count-cities = { $n ->
    [one] { $n } город-партнёр
    [few] { $n } города-партнёра
   *[many] { $n } городов-партнёров
}
portal-count-countries = { $n ->
    [one] { $n } страна
    [few] { $n } страны
   *[many] { $n } стран
}
portal-start-tour = Начать путешествие
portal-random = Случайный город
portal-map-title = Наши партнёры на карте
portal-map-label = Карта мира с городами-партнёрами
portal-map-help = Выберите город на карте (мышью или клавишами Tab и Enter), чтобы увидеть его фильмы.
portal-legend = Континенты
portal-now-title = Сейчас на экранах города
portal-now-alert = Важное объявление
portal-now-network = Информация программы
portal-since = с { $year } года
portal-continents = Континенты
portal-cities-title = Города-партнёры по континентам и странам
portal-crumbs = Вы здесь
portal-download = Скачать фильм
portal-no-video = Фильм об этом городе ещё не опубликован.
portal-listen = Только звук (без изображения: примерно в десять раз меньше трафика)
portal-scrub = Перемотка фильма (показывает кадры; клавиши-стрелки двигают на шаг)
portal-watch = Смотреть фильм
portal-more-videos = Другие фильмы
portal-facts = Факты
portal-country = Страна
portal-continent = Континент
portal-partner-since = Партнёры с
portal-distance = Расстояние
portal-distance-from = Расстояние от города { $city }
portal-km = { $km } км
portal-city-map-label = Где находится город
portal-about = О городе
portal-more-cities = Другие города
portal-missing-title = Страница не найдена
portal-missing-text = Такой страницы нет. Возможно, город переименован или в ссылке опечатка.
portal-tour-title = Путешествие по городам-партнёрам
portal-tour-lead = Все города по очереди, как их показывают экраны города. Смотрите или выбирайте следующий город сами.
portal-tour-pause = Пауза
portal-tour-play = Смотреть
portal-tour-next = Следующий город
portal-tour-sound = Включить звук
portal-tour-fullscreen = Во весь экран
portal-tour-open = Открыть страницу города
portal-tour-noscript = Для путешествия нужен JavaScript; вот страницы всех городов.
portal-embed-open = Открыть страницу города { $city } на портале (в новой вкладке)
continent-africa = Африка
continent-antarctica = Антарктида
continent-asia = Азия
continent-europe = Европа
continent-north_america = Северная Америка
continent-oceania = Океания
continent-south_america = Южная Америка
portal-search-title = Поиск
portal-search-too-long = Поисковый запрос — не длиннее { $max } символов.
portal-search-count = { $n ->
    [0] Ничего не найдено
    [one] Найден { $n } результат
    [few] Найдено { $n } результата
   *[many] Найдено { $n } результатов
}
portal-search-none = Попробуйте название города на любом языке, страну или слово из описания.
portal-kind-city = Город
portal-kind-news = Новость
portal-kind-project = Проект

# Новости
news-feed-title = Twincast — Новости
news-feed-description = Новости нашего города и городов-партнёров.
news-feed-rss = Новости (RSS)
news-feed-atom = Новости (Atom)
news-feed-json = Новости (JSON Feed)
portal-nav-news = Новости
news-latest-title = Последние новости
news-rubrics = Рубрики
news-all = Все новости
news-none = Новостей пока нет.
news-older = Более ранние новости
news-feeds = Подписаться
news-source = Источник
news-contact = Контакты
news-tags = Теги
news-other-languages = На других языках
news-back = Все новости
