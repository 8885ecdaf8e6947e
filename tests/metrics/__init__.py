"""Tests of stepper_cli/metrics."""
