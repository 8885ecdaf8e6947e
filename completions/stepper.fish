# Generated from the stepper app by scripts/gen_completions.py; do not edit.
complete --command stepper --no-files --arguments "(env _STEPPER_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=get-args _TYPER_COMPLETE_ARGS=(commandline -cp) stepper)" --condition "env _STEPPER_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=is-args _TYPER_COMPLETE_ARGS=(commandline -cp) stepper"
