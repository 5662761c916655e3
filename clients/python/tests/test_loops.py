"""An async env made once (at import, as an app does) and used from several event loops: each
``asyncio.run`` gets a connection pool of its own, none tied to a loop that has closed."""

from __future__ import annotations

import asyncio
import gc
import os
import warnings

from binding_gateway import create_gateway_env


def test_one_env_serves_one_asyncio_run_after_another() -> None:
    env = create_gateway_env(os.environ["GATEWAY_URL"], token=os.environ.get("GATEWAY_TOKEN"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        counts = [asyncio.run(env.DB.prepare("SELECT ? AS n").bind(n).first("n")) for n in range(4)]
        gc.collect()
    assert counts == [0, 1, 2, 3]
    assert [str(w.message) for w in caught] == []
    asyncio.run(env.aclose())
