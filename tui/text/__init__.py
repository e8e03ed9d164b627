"""The terminal UI's texts by area: each module holds `TEXT` (key: (中文, English)) and,
optionally, `REASONS` (an exact English reason from the domain: its catalogue key).

tui.i18n merges them into one catalogue at import; a key defined twice stops the app.
"""
