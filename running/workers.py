"""The worker processes' start-up: imported once by the pool's fork server, so every worker is
forked with trafilatura, ftfy, langdetect's profiles and the boilerplate model already loaded
(0.6 s saved per worker, and no first document pays it against its time budget)."""

import gc
import os

# A worker imports the main script of the process that started it (multiprocessing does, to find
# functions defined there). A script that calls ingest() at module level, unguarded, would run
# the flow again in every worker, each starting its own temporary Prefect server and orphaning
# it when the worker dies. Workers never talk to Prefect: forbid them the temporary server, so
# such a worker fails at once and the runner reports why (running.pool.WorkersUnavailable).
os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"

from cleaners import boilerplate, language, pipeline  # noqa: E402,F401  (the import is the point)
from running.lifeline import die_with_parent  # noqa: E402

language.warm_up()
boilerplate.clean_text("Warm-up line.\nLoads the word lists and the line model once.")
# What is loaded now (~290k objects: the libraries, langdetect's profiles, the model) lives as long
# as every worker forked from here: frozen out of the collector's sight (as the flow process does,
# running/runs.py), a worker's full collections do not scan it, and do not write to the pages
# it shares with its siblings (each object a collection visits is a page copied).
gc.freeze()

# This module runs in the fork server, the parent of every worker: it dies with the process
# that started it (a kill -9 of `cleanwire run` included), and its workers die with it.
die_with_parent(watch=True)
