"""Tests of stepper_cli/store."""
