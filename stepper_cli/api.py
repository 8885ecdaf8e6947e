"""The library API: generate reports, and (with the queue) enqueue them and read jobs.

    from stepper_cli import generate_report
    result = generate_report("HEAD", repo=".")
    print(result.report.title)

The CLI is a thin layer over these functions; they raise StepperError subclasses, never exit. This module
only re-exports: the engine below never imports it.
"""

from __future__ import annotations

from .digest.build import DigestOptions as DigestOptions
from .digest.build import build_digest as build_digest
from .digest.build import digest_json as digest_json
from .digest.render import digest_markdown as digest_markdown
from .digest.render import digest_text as digest_text
from .generate.context import Context as Context
from .generate.context import open_context as open_context
from .generate.pipeline import ReportOptions as ReportOptions
from .generate.pipeline import dry_run as dry_run
from .generate.pipeline import generate_report as generate_report
from .generate.pipeline import generate_reports as generate_reports
from .generate.pipeline import report_cache as report_cache
from .generate.pipeline import report_for_sha as report_for_sha
from .generate.pipeline import reports_for_shas as reports_for_shas
from .jobs.library import cache_entry as cache_entry
from .jobs.library import cache_stats as cache_stats
from .jobs.library import clear_cache as clear_cache
from .jobs.library import enqueue_report as enqueue_report
from .jobs.library import get_job as get_job
from .jobs.library import job_for_commit as job_for_commit
from .jobs.library import list_jobs as list_jobs
from .jobs.library import run_worker as run_worker
from .jobs.library import state_config as state_config
from .jobs.library import wait_for_job as wait_for_job
