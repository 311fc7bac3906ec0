"""One gateway OS process for ``test_idempotency_processes``: an embedded ``AsyncGateway``
configured from the environment (``ATTIO_GATEWAY_*``) creates the companies ``Co <i>`` for
the numbers in ``IDEM_NUMBERS`` (comma-separated, in that order), each with the key
``n-<i>``, retrying every failure until it succeeds, as an agent would. Prints
``done <i>`` per create, then ``finished``.

Run as ``python -m tests.gateway.idempotency_worker``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from attio_gateway.errors import GatewayError, IdempotencyOutcomeUnknownError
from attio_gateway.sdk import AsyncGateway


async def main() -> None:
    numbers = [int(n) for n in os.environ["IDEM_NUMBERS"].split(",")]
    async with AsyncGateway() as gw:
        for i in numbers:
            while True:
                try:
                    response = await gw.actions.request(
                        identifier="u",
                        path="/v2/objects/companies/records",
                        method="POST",
                        json={"data": {"values": {"name": f"Co {i}"}}},
                        idempotency_key=f"n-{i}",
                    )
                except IdempotencyOutcomeUnknownError as exc:  # never for a record create
                    print(f"refused {i}: {exc}", flush=True)
                    sys.exit(1)
                except GatewayError:
                    await asyncio.sleep(0.05)  # unknown, unavailable, in progress: retry
                    continue
                if response.status_code == 200:
                    break
                await asyncio.sleep(0.05)
            print(f"done {i}", flush=True)
    print("finished", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
