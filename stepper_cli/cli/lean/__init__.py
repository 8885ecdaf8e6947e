"""The Typer-free entry for the hot paths (the git hook's enqueue, a cache-hit report)."""
