# The player's own texts (served to it as JSON at /i18n/en.json; keep them free of selectors).
player-pair-lead = Pair this screen
player-pair-step-1 = Open the Twincast console and choose Screens → Pair a player.
player-pair-step-2 = Enter the code above and pick the screen this display is.
player-pair-step-3 = This page starts playing by itself.
player-waiting = Waiting for the server… ({ $reason })
player-code-valid-until = Code valid until { $time }
player-alert-extreme = Extreme danger
player-alert-severe = Severe warning
player-alert-moderate = Warning
player-alert-minor = Advisory
player-alert-unknown = Alert
