"""The running layer: workers and their guards, the store, decisions, outputs and settings."""
