"""Run-level defaults, each with the reason for its value."""

# At most 256 pages a batch. bench/throughput.py measures what one more Prefect task run costs
# here (the corpus again in batches of 32): ~40 ms of CPU in the embedded API server (state
# changes, events, logs) plus ~20 ms in the flow process. Against ~50 ms of work per HTML page
# and ~17 ms per text page, 256 keeps Prefect under 1% of the work (0.70% on the dev corpus). A
# run too small to give every worker BATCHES_PER_WORKER such batches gets smaller ones, so no
# core idles while another works through a long tail.
BATCH_SIZE = 256
BATCHES_PER_WORKER = 4
# Batches in flight at once, per worker: enough to keep every worker busy while the flow process
# writes, few enough that finished results waiting for their turn stay bounded in memory.
IN_FLIGHT_PER_WORKER = 2
# Prefect's thread runner has no cap by default; in-flight batches are bounded above anyway.
TASK_THREADS = 16
# A real page costs 20 to 60 ms; 30 s is hundreds of times that, and still short enough that a
# pathological page does not hold up a run.
DOC_SECONDS = 30.0
