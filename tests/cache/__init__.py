"""Tests of stepper_cli/cache."""
