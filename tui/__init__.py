"""Yimai's terminal UI for the service station (Textual)."""
