"""stepper's benchmarks: whole-process timings and throughput, printed as ratios against their targets.

    python -m benchmarks                 # every benchmark
    python -m benchmarks enqueue         # one (see `python -m benchmarks --list`)

Timings belong here, not in tests: they are noisy on a busy machine and are read by people, not asserted.
"""
