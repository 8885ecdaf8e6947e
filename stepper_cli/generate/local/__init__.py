"""The `local` analyzer: a deterministic report from the commit alone, with no network."""
