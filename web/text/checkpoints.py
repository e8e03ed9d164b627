"""The checkpoints pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {}
