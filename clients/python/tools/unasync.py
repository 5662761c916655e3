"""Writes ``binding_gateway/sync/`` from the async client: the same code, blocking, on ``httpx.Client``.

The client is written once (``binding_gateway/{client,d1,kv,r2,env,streams}.py``); this rewrites it
word for word (``await x`` → ``x``, ``AsyncClient`` → ``Client``, ``aclose`` → ``close`` ...), as
httpcore's unasync does. What differs (waiting, time limits) lives in the two ``_io`` modules,
written by hand. Run after changing the async client::

    python3 clients/python/tools/unasync.py

``tests/test_sync.py`` fails when the generated files are stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "binding_gateway"
#: The modules rewritten for sync; the others (contract, errors, wire, objects, limits) are shared.
FLAVOURED = ("client", "d1", "kv", "r2", "env", "streams")
SHARED = ("contract", "errors", "wire", "objects", "limits")

RULES: list[tuple[str, str]] = [
    (
        r"One connection pool \(``httpx\.AsyncClient``\) per event loop serves every\n(\s*)call: an env made once "
        r"and used under several ``asyncio\.run`` calls works\.",
        r"One connection pool (``httpx.Client``) serves every\n\1call, from any thread.",
    ),
    (r"\basync def ", "def "),
    (r"\basync with ", "with "),
    (r"\basync for ", "for "),
    (r"\bawait ", ""),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAsyncIterable\b", "Iterable"),
    (r"\bAsyncBaseTransport\b", "BaseTransport"),
    (r"\bAsyncClient\b", "Client"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bProcedures\b", "SyncProcedures"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\baclose\b", "close"),
    (r"\baread\b", "read"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\ban async iterator\b", "an iterator"),
    (r"\bAsync, on httpx\b", "Blocking, on httpx"),
    (r"``async with``", "``with``"),
    (rf"^from \.({'|'.join(SHARED)}) import", r"from ..\1 import"),
]


def unasync(source: str, name: str) -> str:
    text = source
    for pattern, replacement in RULES:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    return f"# Written by clients/python/tools/unasync.py from binding_gateway/{name}.py; do not edit.\n{text}"


def generated() -> dict[Path, str]:
    return {
        PACKAGE / "sync" / f"{name}.py": unasync((PACKAGE / f"{name}.py").read_text(encoding="utf-8"), name)
        for name in FLAVOURED
    }


def main() -> int:
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PACKAGE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
