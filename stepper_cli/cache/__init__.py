"""The report cache over the store and its administration."""
