# Generated from the stepper app by scripts/gen_completions.py; do not edit.
_stepper_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _STEPPER_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _stepper_completion stepper
