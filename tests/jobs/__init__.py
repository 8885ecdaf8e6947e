"""Tests of stepper_cli/jobs."""
