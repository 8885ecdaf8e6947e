"""`python -m stepper_cli` runs the command line."""

from stepper_cli.cli.main import run

if __name__ == "__main__":
    run()
