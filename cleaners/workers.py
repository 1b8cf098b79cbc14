"""The worker processes' start-up: imported once by the pool's fork server, so every worker is
forked with trafilatura, ftfy and langdetect's profiles already loaded (0.3 s+ saved per worker)."""

from cleaners import language, pipeline  # noqa: F401  (the import is the point)

language.warm_up()
