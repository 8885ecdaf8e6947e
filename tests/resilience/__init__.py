"""Tests of stepper_cli/resilience."""
