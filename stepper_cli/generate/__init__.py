"""Generating one report: context, evidence, redaction, prompt, the pipeline and the local analyzer."""
