"""Tests of stepper_cli/git."""
