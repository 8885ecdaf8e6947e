"""Tests of stepper_cli/digest."""
