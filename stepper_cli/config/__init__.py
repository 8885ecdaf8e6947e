"""Configuration: settings (pure, per call), presets, trust, paths and URL masking."""
