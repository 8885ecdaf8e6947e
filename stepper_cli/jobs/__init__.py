"""The durable queue: ledger, transport (huey), submit, runner, worker and what happens after a job."""
