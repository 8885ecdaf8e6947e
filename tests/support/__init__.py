"""Shared test kits: real git repos, the loopback provider server, redis-server, CLI runners."""
