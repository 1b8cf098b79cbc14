"""Run-level defaults, each with the reason for its value."""

# 32 inputs a batch: ~1 s of trafilatura work on HTML, so Prefect's 5 to 10 ms a task stays
# under 1% of the work, and a batch is small enough to spread a few hundred files over 2 cores.
BATCH_SIZE = 32
# Batches in flight at once, per worker: enough to keep every worker busy while the flow process
# writes, few enough that finished results waiting for their turn stay bounded in memory.
IN_FLIGHT_PER_WORKER = 2
# Prefect's thread runner has no cap by default; in-flight batches are bounded above anyway.
TASK_THREADS = 16
