"""Run-level defaults, each with the reason for its value."""

# 128 pages a batch. bench/throughput.py measured what a Prefect task costs here: 5-10 ms in the
# flow process plus ~65 ms of CPU in the embedded API server (state changes, logs). Against
# ~50 ms of work per HTML page and ~17 ms per text page, 128 keeps Prefect at 1% (HTML) to 3%
# (text) of the work; the price is a longer tail at the end of a run (one batch on one core).
BATCH_SIZE = 128
# Batches in flight at once, per worker: enough to keep every worker busy while the flow process
# writes, few enough that finished results waiting for their turn stay bounded in memory.
IN_FLIGHT_PER_WORKER = 2
# Prefect's thread runner has no cap by default; in-flight batches are bounded above anyway.
TASK_THREADS = 16
