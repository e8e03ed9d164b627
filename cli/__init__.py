"""The `yimai` command: setup, demo data, the API server, the terminal UI, rebuilds."""
