"""The ``openai`` backend: any OpenAI-compatible chat endpoint as a zero-shot extractor.

The conversation is the one the students are trained on, as chat messages:
an optional system line (the UniversalNER one for the ``chat``/``uniner``
templates, none for ``chat-nosystem``), user ``Text: {passage}``, assistant
``I've read this text.``, user ``What describes {type} in the text?``; one
request per (passage, type), greedy (``temperature=0``).  The official openai
SDK does the HTTP, timeouts and retries (``max_retries``, with its own
back-off); requests run ``concurrency`` at a time in threads.

``--model`` is the endpoint's model id.  ``base_url`` and ``api_key`` default to
the SDK's ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY``; a local server needs no key.
An unreachable endpoint, a refused key or an unknown model is a ``ConfigError``
naming the URL; an answer without a list is a malformed answer, counted, and
never a crash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from uniner.data.conversations import Conversation, Query
from uniner.engine.base import BACKENDS
from uniner.engine.generative import Completion, GenerativeNER, warn_threshold
from uniner.errors import ConfigError, UninerError

#: Templates the chat messages can follow: name -> whether to send the system line.
MESSAGE_TEMPLATES = {"chat": True, "uniner": True, "chat-nosystem": False}


def chat_messages(passage: str, type_name: str, system: bool = True) -> list[dict[str, str]]:
    """The UniversalNER conversation asking for ``type_name``, as chat messages."""
    from uniner.instruct.render import conversation_turns
    from uniner.instruct.templates import SYSTEM_PROMPT

    turns = conversation_turns(Conversation("", passage, [Query(type_name, "")]))[:-1]
    head = [{"role": "system", "content": SYSTEM_PROMPT}] if system else []
    return head + [{"role": role, "content": content} for role, content in turns]


class OpenAIGenerator:
    """``AnswerGenerator`` over an ``openai.OpenAI`` client."""

    def __init__(self, client: Any, model: str, system: bool = True, max_new_tokens: int = 128,
                 concurrency: int = 4, name: str | None = None):
        self.client = client
        self.model = model
        self.system = system
        self.max_new_tokens = max_new_tokens
        self.concurrency = concurrency
        self.name = name or f"openai:{model}"

    def _ask(self, passage: str, type_name: str) -> Completion:
        import openai

        where = str(self.client.base_url)
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=chat_messages(passage, type_name, self.system),
                temperature=0,
                max_tokens=self.max_new_tokens,
            )
        except openai.APIConnectionError as err:
            raise ConfigError(f"cannot reach the OpenAI-compatible endpoint at {where} ({err}); is it running?") from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
            raise ConfigError(f"the endpoint at {where} refused the API key ({err.status_code}); set OPENAI_API_KEY") from None
        except openai.NotFoundError:
            raise ConfigError(f"model {self.model!r} not found at {where} (or the URL is not an OpenAI API)") from None
        except openai.APIStatusError as err:
            raise UninerError(f"the endpoint at {where} answered HTTP {err.status_code}: {err.message}") from None
        choices = getattr(response, "choices", None) or []
        content = choices[0].message.content if choices and choices[0].message is not None else None
        usage = getattr(response, "usage", None)
        tokens = int(getattr(usage, "completion_tokens", 0) or 0) if usage is not None else 0
        return Completion((content or "").strip(), tokens)

    def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]:
        cells = [(p, t) for p in passages for t in types]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            flat = list(pool.map(lambda cell: self._ask(*cell), cells))
        width = len(types)
        return [flat[i:i + width] for i in range(0, len(flat), width)]


def load_openai(
    model: str,
    base_url: str | None = None,
    api_key: str | None = None,
    template: str = "chat",
    max_new_tokens: int = 128,
    concurrency: int = 4,
    timeout: float = 60.0,
    max_retries: int = 3,
    threshold: float | None = None,
) -> GenerativeNER:
    """A predictor asking ``model`` at ``base_url`` (see the module docstring)."""
    warn_threshold(threshold)
    import openai

    if not model.strip():
        raise ConfigError("the openai backend needs --model set to the endpoint's model id")
    if template not in MESSAGE_TEMPLATES:
        raise ConfigError(f"template {template!r} has no chat-message form; use one of {', '.join(MESSAGE_TEMPLATES)}")
    if concurrency < 1 or max_new_tokens < 1:
        raise ConfigError("concurrency and max_new_tokens must be >= 1")
    base_url = base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        if not base_url:
            raise ConfigError("set OPENAI_API_KEY, or give base_url for a local OpenAI-compatible server")
        api_key = "EMPTY"  # local servers (vLLM, transformers serve) ignore the key
    client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=max_retries)
    generator = OpenAIGenerator(client, model, MESSAGE_TEMPLATES[template], max_new_tokens, concurrency)
    info = {"backend": "openai", "model": model, "base_url": str(client.base_url), "template": template}
    return GenerativeNER(generator, info=info)


BACKENDS.register("openai", load_openai)
