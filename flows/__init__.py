"""Prefect flows over cleaners/: discovery, batching, the task runner, writing, reporting."""
