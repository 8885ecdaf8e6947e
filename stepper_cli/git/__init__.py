"""Everything stepper asks of git: commits, notes and the post-commit hook."""
