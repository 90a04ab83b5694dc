# 播放器自身的文字（以 JSON 提供：/i18n/zh.json；不使用选择器）。
player-pair-lead = 配对此屏幕
player-pair-step-1 = 打开 Twincast 控制台，选择“屏幕 → 配对播放器”。
player-pair-step-2 = 输入上方的代码，并选择此显示器对应的屏幕。
player-pair-step-3 = 本页面会自动开始播放。
player-waiting = 正在等待服务器…（{ $reason }）
player-code-valid-until = 代码有效期至 { $time }
player-alert-extreme = 极度危险
player-alert-severe = 严重警告
player-alert-moderate = 警告
player-alert-minor = 提示
player-alert-unknown = 警报
