# Тексты плеера (отдаются ему как JSON: /i18n/ru.json; без селекторов).
player-pair-lead = Подключите этот экран
player-pair-step-1 = Откройте консоль Twincast и выберите «Экраны → Подключить плеер».
player-pair-step-2 = Введите код выше и выберите, какой это экран.
player-pair-step-3 = Страница начнёт показ сама.
player-waiting = Ожидание сервера… ({ $reason })
player-code-valid-until = Код действует до { $time }
player-alert-extreme = Чрезвычайная опасность
player-alert-severe = Серьёзная угроза
player-alert-moderate = Предупреждение
player-alert-minor = Информация
player-alert-unknown = Оповещение
