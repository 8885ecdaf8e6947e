"""Provider kinds (wire protocols) and presets: data only, no provider code is imported here."""

from __future__ import annotations

from typing import TypedDict

#: wire protocols, each served by one module under stepper_cli.providers
KINDS: dict[str, str] = {
    "openai": "stepper_cli.providers.openai",
    "anthropic": "stepper_cli.providers.anthropic",
    "gemini": "stepper_cli.providers.gemini",
    "cohere": "stepper_cli.providers.cohere",
    "ollama": "stepper_cli.providers.ollama",
    "hf-space": "stepper_cli.providers.hf_space",
}


class Preset(TypedDict):
    kind: str
    base_url: str
    model: str
    api_key_env: str


#: named services: a kind plus default base URL, model and key variable. The default models are the
#: ones each vendor serves today (retired ones answer 404); README's table is checked against these.
PRESETS: dict[str, Preset] = {
    "openai": {"kind": "openai", "base_url": "https://api.openai.com/v1", "model": "gpt-5-mini",
               "api_key_env": "OPENAI_API_KEY"},
    "groq": {"kind": "openai", "base_url": "https://api.groq.com/openai/v1", "model": "openai/gpt-oss-120b",
             "api_key_env": "GROQ_API_KEY"},
    "mistral": {"kind": "openai", "base_url": "https://api.mistral.ai/v1", "model": "mistral-small-latest",
                "api_key_env": "MISTRAL_API_KEY"},
    "deepseek": {"kind": "openai", "base_url": "https://api.deepseek.com/v1", "model": "deepseek-v4-flash",
                 "api_key_env": "DEEPSEEK_API_KEY"},
    "together": {"kind": "openai", "base_url": "https://api.together.xyz/v1",
                 "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "api_key_env": "TOGETHER_API_KEY"},
    "openrouter": {"kind": "openai", "base_url": "https://openrouter.ai/api/v1",
                   "model": "openai/gpt-5-mini", "api_key_env": "OPENROUTER_API_KEY"},
    "perplexity": {"kind": "openai", "base_url": "https://api.perplexity.ai", "model": "sonar",
                   "api_key_env": "PERPLEXITY_API_KEY"},
    "nvidia": {"kind": "openai", "base_url": "https://integrate.api.nvidia.com/v1",
               "model": "meta/llama-3.3-70b-instruct", "api_key_env": "NVIDIA_API_KEY"},
    "anthropic": {"kind": "anthropic", "base_url": "https://api.anthropic.com", "model": "claude-haiku-4-5",
                  "api_key_env": "ANTHROPIC_API_KEY"},
    "gemini": {"kind": "gemini", "base_url": "https://generativelanguage.googleapis.com/v1beta",
               "model": "gemini-3.5-flash", "api_key_env": "GEMINI_API_KEY"},
    "cohere": {"kind": "cohere", "base_url": "https://api.cohere.com", "model": "command-a-03-2025",
               "api_key_env": "COHERE_API_KEY"},
    "ollama": {"kind": "ollama", "base_url": "http://localhost:11434", "model": "llama3.2", "api_key_env": ""},
    "hf-space": {"kind": "hf-space", "base_url": "", "model": "", "api_key_env": "HF_TOKEN"},
}  # fmt: skip
