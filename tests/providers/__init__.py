"""Tests of stepper_cli/providers."""
