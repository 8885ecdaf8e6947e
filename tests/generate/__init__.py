"""Tests of stepper_cli/generate."""
