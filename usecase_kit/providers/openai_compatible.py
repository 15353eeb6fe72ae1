"""The OpenAI-compatible provider: OpenAI, Azure OpenAI and any server speaking the protocol.

The only module that imports ``openai`` (lazily, inside the factories). Retries are the
client's own (429/5xx/timeouts, honouring Retry-After); this module counts them through an
HTTP event hook and turns failures into ``CallFailed`` with a kind. API keys come from the
environment (or ``$USECASE_KIT_HOME/credentials.env``, outside the project) and are scrubbed
from every message this module produces.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from usecase_kit.errors import ConfigError
from usecase_kit.providers.answers import (
    AnswerTooLarge,
    _BoundedTransport,
    _count_problem,
    usage_fault,
)
from usecase_kit.providers.base import (
    CallFailed,
    Completion,
    Message,
    Settings,
    Usage,
)

__all__ = [
    "DEFAULT_AZURE_API_VERSION",
    "OpenAICompatibleProvider",
    "connect",
    "create_azure",
    "create_openai",
]

DEFAULT_AZURE_API_VERSION = "2024-10-21"
_KEY_LIKE = re.compile(r"\b(sk-[A-Za-z0-9_\-*]{6,})")
_attempts = threading.local()


def _count_attempt(request: Any) -> None:
    """httpx event hook: remember how many retries the client has taken for this call."""
    _attempts.retries = int(request.headers.get("x-stainless-retry-count", "0") or 0)


def _require_env(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip() or _from_credentials_file(name)
    if not value:
        raise ConfigError(
            f"{name} is not set: {why}. Set it in your shell, e.g. `export {name}=...`, "
            f"or as a line `{name}=...` in {_credentials_path()} (outside the project)."
        )
    return value


def _credentials_path() -> Path:
    from usecase_kit.paths import workspace_home

    return workspace_home() / "credentials.env"


def _from_credentials_file(name: str) -> str:
    """``NAME=value`` lines of ``$USECASE_KIT_HOME/credentials.env``; the environment wins."""
    path = _credentials_path()
    if not path.is_file():
        return ""
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == name:
            return value.strip().strip("'\"")
    return ""


def create_openai(
    model: str,
    *,
    base_url: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    max_retries: int = 2,
) -> OpenAICompatibleProvider:
    """``openai:<model>``; ``base_url`` (or ``OPENAI_BASE_URL``) targets any compatible server."""
    key = _require_env(
        api_key_env, "the openai provider needs an API key (any value for a local server)"
    )
    # the endpoint comes from where the key came from: a key in credentials.env meant for a
    # local gateway must not be sent to api.openai.com because the URL beside it was ignored
    url = (
        base_url
        or os.environ.get("OPENAI_BASE_URL", "").strip()
        or _from_credentials_file("OPENAI_BASE_URL")
        or None
    )
    return connect(f"openai:{model}", model, url, key, max_retries=max_retries, key_env=api_key_env)


def connect(
    spec: str,
    model: str,
    base_url: str | None,
    api_key: str,
    *,
    max_retries: int = 2,
    key_env: str = "OPENAI_API_KEY",
) -> OpenAICompatibleProvider:
    """The provider for ``model`` at ``base_url`` with an explicit key, labelled ``spec``.

    ``create_openai`` and the ``local:`` provider both end here: one client, one code path.
    The key is a parameter, never a provider option, so no plan file can carry one."""
    import openai

    if base_url is not None:
        check_base_url(base_url, f"the base URL of {spec}")
    http = _http_client()
    client = openai.OpenAI(
        api_key=api_key, base_url=base_url, max_retries=max_retries, http_client=http
    )
    return OpenAICompatibleProvider(spec, model, client, secret=api_key, key_env=key_env)


def create_azure(
    deployment: str,
    *,
    endpoint: str | None = None,
    api_version: str | None = None,
    api_key_env: str = "AZURE_OPENAI_API_KEY",
    max_retries: int = 2,
) -> OpenAICompatibleProvider:
    """``azure:<deployment>`` on Azure OpenAI.

    Endpoint from ``AZURE_OPENAI_ENDPOINT``, API version from ``OPENAI_API_VERSION``."""
    import openai

    key = _require_env(api_key_env, "the azure provider needs an Azure OpenAI key")
    url = endpoint or _require_env(
        "AZURE_OPENAI_ENDPOINT", "the azure provider needs the resource URL"
    )
    check_base_url(url, "the Azure endpoint")
    version = api_version or os.environ.get("OPENAI_API_VERSION") or DEFAULT_AZURE_API_VERSION
    http = _http_client()
    client = openai.AzureOpenAI(
        api_key=key,
        azure_endpoint=url,
        api_version=version,
        max_retries=max_retries,
        http_client=http,
    )
    spec = f"azure:{deployment}"
    return OpenAICompatibleProvider(spec, deployment, client, secret=key, key_env=api_key_env)


class OpenAICompatibleProvider:
    """Chat completions through the official client; one instance is safe across threads."""

    is_baseline = False

    def __init__(self, spec: str, model: str, client: Any, *, secret: str, key_env: str) -> None:
        self.spec = spec
        self.model = model
        self.provider = spec.split(":", 1)[0]
        # never a user:password@ or a key written into the path in a record
        self.base_url = _KEY_LIKE.sub("***", redact_url(str(client.base_url)))
        self.max_retries = int(client.max_retries)
        self._client = client
        self._single_attempt = client.with_options(max_retries=0)
        self._secret = secret
        self._key_env = key_env
        self._url_secrets = (
            *url_secrets(str(client.base_url)),
            *_KEY_LIKE.findall(str(client.base_url)),
        )

    def __repr__(self) -> str:
        return f"OpenAICompatibleProvider({self.spec!r}, base_url={self.base_url!r})"

    def complete(self, messages: Sequence[Message], settings: Settings) -> Completion:
        _attempts.retries = 0
        start = time.perf_counter()
        client = self._single_attempt if settings.max_retries == 0 else self._client
        if settings.max_retries not in (None, 0, self.max_retries):
            client = self._client.with_options(max_retries=settings.max_retries)
        try:
            raw = client.chat.completions.with_raw_response.create(
                **self._request(messages, settings)
            )
            body = raw.parse()
            completion = self._completion(
                body, raw.headers, time.perf_counter() - start, raw.retries_taken
            )
        except CallFailed:
            raise
        except Exception as exc:
            raise self._failure(exc) from None
        fault = usage_fault(completion, messages, settings)
        if fault is not None:
            raise CallFailed(
                f"{self.spec} at {self.base_url}: provider fault: {fault}. The answer is not "
                "used, and the call is charged its full reservation.",
                kind="usage",
            )
        return completion

    def _request(self, messages: Sequence[Message], settings: Settings) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": settings.temperature,
            "timeout": settings.timeout_s,
        }
        if settings.max_tokens is not None:
            request["max_tokens"] = settings.max_tokens
        if settings.seed is not None:
            request["seed"] = settings.seed
        return request

    def _completion(self, body: Any, headers: Any, latency: float, retries: int) -> Completion:
        try:
            choice = body.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError) as exc:
            raise CallFailed(
                f"{self.spec}: response had no choices ({exc})", kind="malformed"
            ) from None
        return Completion(
            text=text,
            usage=self._usage(body, text),
            provider=self.provider,
            model=str(getattr(body, "model", None) or self.model),
            is_baseline=False,
            finish_reason=choice.finish_reason,
            request_id=headers.get("x-request-id") or getattr(body, "id", None),
            latency_s=latency,
            retries=retries,
        )

    def _usage(self, body: Any, text: str) -> Usage:
        usage = getattr(body, "usage", None)
        if usage is None:  # some local servers omit usage: count it ourselves, and say so
            from usecase_kit.tokens import count_tokens

            out = count_tokens(text, self.model)
            return Usage(input_tokens=0, output_tokens=out.n, counted_by=out.method)
        prompt_details = getattr(usage, "prompt_tokens_details", None)
        completion_details = getattr(usage, "completion_tokens_details", None)
        counts = {
            "prompt_tokens": getattr(usage, "prompt_tokens", None),
            "completion_tokens": getattr(usage, "completion_tokens", None),
            "total_tokens": getattr(usage, "total_tokens", None),
            "cached_tokens": getattr(prompt_details, "cached_tokens", None),
            "reasoning_tokens": getattr(completion_details, "reasoning_tokens", None),
        }
        problem = _count_problem(counts)
        if problem is not None:
            raise CallFailed(
                f"{self.spec} at {self.base_url}: provider fault: the usage it reported is not "
                f"a count of tokens ({problem}). The answer is not used, and the call is "
                "charged its full reservation.",
                kind="usage",
            )
        return Usage(
            input_tokens=int(counts["prompt_tokens"] or 0),
            output_tokens=int(counts["completion_tokens"] or 0),
            cached_input_tokens=int(counts["cached_tokens"] or 0),
            reasoning_tokens=int(counts["reasoning_tokens"] or 0),
        )

    def _failure(self, exc: Exception) -> CallFailed:
        if isinstance(exc, AnswerTooLarge):
            return CallFailed(
                f"{self.spec} at {self.base_url}: provider fault: {exc}. The answer is not used, "
                "and the call is charged its full reservation.",
                kind="usage",
            )
        kind, status = _classify(exc)
        retries = int(getattr(_attempts, "retries", 0))
        return CallFailed(
            self._message(kind, status, exc),
            kind=kind,
            status=status,
            retries=retries,
            retry_after_s=_retry_after(exc),
        )

    def _message(self, kind: str, status: int | None, exc: Exception) -> str:
        where = f"{self.spec} at {self.base_url}"
        detail = self.scrub(str(exc))[:300]
        if kind == "auth":
            return (
                f"{where} rejected the credentials (HTTP {status}). Check {self._key_env}: "
                f"set it to a valid key for this server. Server said: {detail}"
            )
        if kind == "model_not_found":
            return f"{where}: model or deployment {self.model!r} not found (HTTP 404). {detail}"
        code = f" (HTTP {status})" if status else ""
        if kind == "unreachable":
            cause = self.scrub(str(exc.__cause__ or ""))[:200]
            return (
                f"{where}: unreachable: {cause or detail}. Nothing was sent: check the address "
                "and that the server is running."
            )
        return f"{where}: {kind}{code}: {type(exc).__name__}: {detail}"

    def scrub(self, text: str) -> str:
        """Remove the API key, URL credentials (and anything key-shaped) from ``text``."""
        for secret in (self._secret, *self._url_secrets):
            if secret:
                text = text.replace(secret, "***")
        return _KEY_LIKE.sub("sk-***", text)


def check_base_url(url: str, name: str = "the base URL") -> None:
    """Refuse an endpoint the client cannot use safely: no http(s) scheme or host, a port that
    is not a number, or a query string, fragment or ``;parameters`` (the client appends its
    paths after them: ``/v1?api-key=K`` becomes ``/v1/?api-key=Kchat/completions``, and what
    they hold, often a key, would be printed and recorded with every call). The refused URL is
    never echoed: a password written into it could be cut anywhere."""
    from urllib.parse import urlsplit

    example = "give e.g. http://127.0.0.1:8000/v1"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        raise ConfigError(f"{name} is not a valid URL (its host or port): {example}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must start with http:// or https:// and name a host: {example}.")
    if parts.query or parts.fragment or ";" in parts.path or "?" in url or "#" in url:
        raise ConfigError(
            f"{name} carries a query string, fragment or ';' parameters ('?...', '#...', "
            "';...'), which the client cannot join paths to and which would be recorded with "
            "every call. Give the endpoint alone (scheme, host, port, path), and the key through "
            "OPENAI_API_KEY (or credentials.env)."
        )


def url_secrets(url: str) -> tuple[str, ...]:
    """The credentials written into a URL (``http://user:KEY@host``), as given, decoded, and as
    the Basic auth header the HTTP client builds from them (a server may echo it back)."""
    import base64
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return ()
    if parts.username is None and parts.password is None:
        return ()
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    basic = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    found = {parts.username, parts.password, user, password, basic}
    return tuple(sorted((s for s in found if s and len(s) >= 4), key=len, reverse=True))


def redact_url(url: str) -> str:
    """``url`` without the credentials some users write into it (``http://***@host/v1``)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _http_client() -> Any:
    """The openai client's HTTP client, without following redirects: a gateway that answers
    (and bills) then redirects to an address that refuses would turn a paid call into a
    connection error on the second hop. A 3xx is a status error instead, charged as unknown.
    Every response body is read through ``_BoundedTransport`` (at most ``MAX_BODY_BYTES``)."""
    import httpx2
    import openai
    from openai._constants import DEFAULT_CONNECTION_LIMITS

    transport = _BoundedTransport(httpx2.HTTPTransport(limits=DEFAULT_CONNECTION_LIMITS))
    return openai.DefaultHttpxClient(
        event_hooks={"request": [_count_attempt]},
        follow_redirects=False,
        transport=transport,  # type: ignore[arg-type]
    )


def _never_connected(exc: Exception) -> bool:
    """True when the request never reached a server: httpx failed to open the connection
    (``ConnectError``: refused, unknown host, TLS handshake; ``ConnectTimeout``). A read
    timeout or a connection dropped after sending may have been billed; these cannot.
    Matched by class name: the openai client may bring its own copy of httpx (``httpx2``)."""
    cause = exc.__cause__
    names = {cls.__name__ for cls in type(cause).__mro__} if cause is not None else set()
    return bool(names & {"ConnectError", "ConnectTimeout"})


def _retry_after(exc: Exception) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``retry-after``), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
            return max(0.0, when.timestamp() - time.time())
    return None


def _classify(exc: Exception) -> tuple[str, int | None]:
    import openai

    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return "auth", status
    if isinstance(exc, openai.NotFoundError):
        return "model_not_found", status
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return "bad_request", status
    if isinstance(exc, openai.RateLimitError):
        return "rate_limit", status
    if isinstance(exc, openai.APIStatusError):
        return ("server" if (status or 0) >= 500 else "other"), status
    if isinstance(exc, openai.APIConnectionError) and _never_connected(exc):
        return "unreachable", None  # refused, no such host, TLS or connect timeout: not sent
    if isinstance(exc, openai.APITimeoutError):
        return "timeout", None
    if isinstance(exc, openai.APIConnectionError):
        return "connection", None
    if isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError | ValueError):
        return "malformed", None
    return "other", None
