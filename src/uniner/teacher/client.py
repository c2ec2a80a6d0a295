"""The teacher client: any OpenAI-compatible chat-completions endpoint.

Built on the official ``openai`` SDK (``AsyncOpenAI`` with ``base_url``), whose
own retry loop does the hard part: on 408/409/429/5xx responses, timeouts and
connection errors it retries up to ``max_retries`` times with exponential
backoff (0.5 s doubling, capped at 8 s) reduced by up to 25 % random jitter,
and it waits what a ``Retry-After`` / ``retry-after-ms`` header says (up to
two minutes) instead.  See ``AsyncAPIClient._calculate_retry_timeout`` and
``_should_retry`` in ``openai/_base_client.py``.  Other 4xx errors are not
retried.

The API key is read from an environment variable and handed to the SDK only;
it is never part of a config, a record, a log line or an error message.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from uniner.errors import ConfigError

if TYPE_CHECKING:
    import openai

#: Sent when no key variable is set: local servers (vLLM, llama.cpp,
#: ``transformers serve``) ignore the key but the SDK insists on one.
NO_KEY_PLACEHOLDER = "no-key"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"

# Requests made for the passage being processed by the current asyncio task;
# the HTTP client's request hook counts into it, so retries done inside the SDK
# are counted too.
_attempts: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("uniner_teacher_attempts", default=None)


@dataclass(frozen=True)
class TeacherConfig:
    """How to reach the teacher; no secret is stored here, only the variable's name."""

    base_url: str = field(metadata={"help": "OpenAI-compatible endpoint, e.g. http://localhost:8000/v1"})
    model: str = field(metadata={"help": "Model name sent with each request"})
    api_key_env: str | None = field(
        default=None,
        metadata={"help": f"Environment variable holding the API key (default {DEFAULT_KEY_ENV}, optional)"},
    )
    temperature: float = field(default=0.0, metadata={"help": "Sampling temperature (the paper: 0)"})
    max_tokens: int | None = field(default=None, metadata={"help": "Completion token limit (server default if unset)"})
    timeout: float = field(default=120.0, metadata={"help": "Seconds before one request times out"})
    max_retries: int = field(default=5, metadata={"help": "SDK retries on 429/5xx/timeouts/connection errors"})

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base URL must start with http:// or https://, got {self.base_url!r}")
        if not self.model.strip():
            raise ConfigError("the teacher model name is empty")
        if self.timeout <= 0:
            raise ConfigError(f"timeout must be > 0 seconds, got {self.timeout}")
        if self.max_retries < 0:
            raise ConfigError(f"max retries must be >= 0, got {self.max_retries}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ConfigError(f"max tokens must be >= 1, got {self.max_tokens}")


@dataclass(frozen=True, slots=True)
class Completion:
    content: str
    model: str
    usage: dict[str, int] | None
    finish_reason: str | None
    attempts: int


class TeacherRequestError(Exception):
    """One passage's request failed for good (after the SDK's retries)."""

    def __init__(self, message: str, attempts: int, reask: bool = False):
        super().__init__(message)
        self.attempts = attempts
        #: A 200 whose body was not a chat completion: worth asking again,
        #: although the SDK does not retry it.
        self.reask = reask


def resolve_api_key(api_key_env: str | None) -> str:
    """The key from ``api_key_env``; that variable must be set when it is named explicitly."""
    if api_key_env is None:
        return os.environ.get(DEFAULT_KEY_ENV) or NO_KEY_PLACEHOLDER
    value = os.environ.get(api_key_env)
    if not value:
        raise ConfigError(f"environment variable {api_key_env} (named by --api-key-env) is not set or empty")
    return value


async def _count_request(request: Any) -> None:
    counter = _attempts.get()
    if counter is not None:
        counter[0] += 1


class TeacherClient:
    """Chat completions with bounded retries; use as ``async with TeacherClient(cfg) as c``."""

    def __init__(self, config: TeacherConfig):
        import openai  # imported on use: it takes seconds, and every `uniner` command loads this module

        self.config = config
        self._client = openai.AsyncOpenAI(
            api_key=resolve_api_key(config.api_key_env),
            base_url=config.base_url,
            timeout=config.timeout,
            max_retries=config.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(event_hooks={"request": [_count_request]}),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close()

    def _body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.config.model, "messages": messages,
                                "temperature": self.config.temperature}
        if self.config.max_tokens:
            body["max_tokens"] = self.config.max_tokens
        return body

    async def complete(self, messages: list[dict[str, str]]) -> Completion:
        """One completion; raises ``TeacherRequestError`` for a per-passage failure
        and ``ConfigError`` when no request can succeed (bad key, unknown model or path)."""
        import httpx2
        import openai

        counter = [0]
        token = _attempts.set(counter)
        try:
            # The SDK's documented plain ``post``: the same client options, retries
            # and errors as ``chat.completions.create``, without its per-request
            # typed-params transform and response model, which cost ~10 ms of CPU
            # per request and capped throughput at high concurrency.
            response = await self._client.post("/chat/completions", cast_to=httpx2.Response,
                                               body=self._body(messages))
            payload = response.json()
        except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
            # The server's message may quote part of the key: never repeat it.
            raise ConfigError(
                f"the teacher at {self.config.base_url} refused the API key (HTTP {err.status_code}); "
                f"check {self.config.api_key_env or DEFAULT_KEY_ENV}"
            ) from None
        except openai.NotFoundError as err:
            raise ConfigError(
                f"the teacher at {self.config.base_url} answered 404 for model {self.config.model!r}: "
                f"{_error_text(err)}; check --base-url (usually ends in /v1) and --model"
            ) from None
        except openai.APIStatusError as err:
            raise TeacherRequestError(f"HTTP {err.status_code}: {_error_text(err)}", counter[0]) from None
        except openai.APITimeoutError:
            raise TeacherRequestError(f"timed out after {self.config.timeout:g} s", counter[0]) from None
        except openai.APIConnectionError as err:
            cause = err.__cause__ or err
            raise TeacherRequestError(f"connection failed: {_short(str(cause) or type(cause).__name__)}", counter[0]) from None
        except ValueError as err:  # a 200 whose body is not JSON
            raise TeacherRequestError(f"invalid response: not JSON ({_short(str(err))})", counter[0], reask=True) from None
        finally:
            _attempts.reset(token)
        return _completion(payload, self.config.model, counter[0])


def _completion(payload: Any, requested_model: str, attempts: int) -> Completion:
    """A chat-completion body, checked field by field (servers differ in what they omit)."""
    try:
        choice = payload["choices"][0]
        content = choice["message"].get("content") or ""
        if not isinstance(content, str):
            raise TypeError("message content is not a string")
    except (KeyError, IndexError, TypeError, AttributeError) as err:
        raise TeacherRequestError(f"invalid response: not a chat completion ({err!r}): "
                                  f"{_short(str(payload))}", attempts, reask=True) from None
    usage = payload.get("usage")
    usage_dict = None
    if isinstance(usage, dict):
        usage_dict = {key: int(usage.get(key) or 0) for key in ("prompt_tokens", "completion_tokens", "total_tokens")}
    return Completion(
        content=content,
        model=str(payload.get("model") or requested_model),
        usage=usage_dict,
        finish_reason=choice.get("finish_reason"),
        attempts=attempts,
    )


def _error_text(err: openai.APIStatusError) -> str:
    """The server's own error message (OpenAI-style bodies), else the SDK's."""
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str) and message:
            return _short(message)
    return _short(err.message)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
