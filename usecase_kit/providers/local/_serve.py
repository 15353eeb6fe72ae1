"""Child process: llama-cpp-python's OpenAI-compatible server that dies with its parent.

Started by ``server.LlamaServer`` as ``python _serve.py <llama_cpp.server arguments>`` with
stdin a pipe whose only writer is the parent. The parent writes the API key as the first line
(so it never appears in ``/proc/<pid>/cmdline``) and then writes nothing; when the parent's
end closes, whether it stopped the server or was killed, the read returns EOF and this
process exits at once. Run as a file, not ``-m``, so the child does not import usecase_kit.
"""

from __future__ import annotations

import os
import runpy
import sys
import threading
import traceback
from typing import Any

#: Our own flag, removed before llama_cpp.server parses the rest.
FRESH_PROMPTS = "--usecase-kit-fresh-prompts"
# Variables llama_cpp.server reads besides its arguments (HOST and PORT override --host/--port).
_OVERRIDES = ("host", "port", "config_file")


def _watch_parent() -> None:
    """Block on stdin; EOF means the parent is gone, so end the server now."""
    try:
        while sys.stdin.buffer.read(1):
            pass
    except (OSError, ValueError):
        pass
    print("usecase-kit: parent process gone, local model server exiting", flush=True)
    os._exit(0)


def _clean_environment() -> None:
    """Drop variables pydantic-settings would read as server or model settings."""
    from llama_cpp.server.settings import Settings

    names = {name.lower() for name in Settings.model_fields} | set(_OVERRIDES)
    for key in list(os.environ):
        if key.lower() in names:
            del os.environ[key]


def _fresh_prompts() -> None:
    """Evaluate every prompt from position 0 instead of reusing the KV cache's common prefix.

    With reuse, a prompt's numbers depend on which prompt came before (the shared prefix was
    computed in a batch of another size), and greedy decoding can then pick another token at a
    near tie: measured here, 1 answer in 4 changed with the order of the calls. From scratch,
    the same prompt always meets the same arithmetic, at the cost of re-reading the prompt.
    """
    from llama_cpp import Llama

    original = Llama.generate

    def generate(self: Any, tokens: Any, *args: Any, **kwargs: Any) -> Any:
        self.n_tokens = 0  # generate() then resets and eval() clears the whole KV cache
        return (yield from original(self, tokens, *args, **kwargs))

    Llama.generate = generate  # type: ignore[method-assign,unused-ignore]


def _plain_cpu_buffers() -> None:
    """Load the weights into plain CPU buffers, never llama.cpp's "extra" buffer types.

    On a CPU with AMX (Intel Sapphire Rapids and later, this project's machines among them) a
    build with ``-march=native`` repacks the weights into an AMX buffer, and the first decode
    then crashes with SIGSEGV in ``ggml_backend_amx_mul_mat`` (ggml-org/llama.cpp#20824, seen
    here on every call). ``use_extra_bufts = False`` (llama-server's ``--no-repack``) keeps the
    ordinary AVX path, whatever the build; on this 135M model the repacking bought nothing
    measurable. llama-cpp-python exposes the field but no server setting for it.
    """
    import llama_cpp.llama_cpp as low

    default = low.llama_model_default_params

    def params() -> Any:
        p = default()
        if hasattr(p, "use_extra_bufts"):
            p.use_extra_bufts = False
        return p

    low.llama_model_default_params = params


def main() -> None:
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # this folder's modules must not shadow top-level packages
    api_key = sys.stdin.buffer.readline().decode("utf-8").strip()
    threading.Thread(target=_watch_parent, name="parent-watchdog", daemon=True).start()
    _clean_environment()
    _plain_cpu_buffers()
    args = sys.argv[1:]
    if FRESH_PROMPTS in args:
        args.remove(FRESH_PROMPTS)
        _fresh_prompts()
    # "--api_key=KEY", not "--api_key KEY": a key may start with "-"
    sys.argv = ["llama_cpp.server", *args, *([f"--api_key={api_key}"] if api_key else [])]
    os._exit(_run_server())


def _run_server() -> int:
    """The server's exit code. The process then leaves with ``os._exit``: a normal shutdown
    would abort (SIGABRT) while the watchdog thread still blocks on stdin."""
    code = 1
    try:
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    main()
