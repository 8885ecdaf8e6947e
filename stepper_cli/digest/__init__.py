"""The digest of a range: one document for a pull request or a release, built from per-commit reports."""
