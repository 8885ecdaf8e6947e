"""Metrics for Prometheus: the store's counters and histograms plus the queue depth, as text exposition."""
