"""Tests of stepper_cli/config."""
