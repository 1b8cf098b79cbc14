"""cleanwire's cleaners: plain Python, no Prefect. Each module is one concern."""
