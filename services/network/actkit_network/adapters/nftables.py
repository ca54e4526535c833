"""The firewall on the board: loads a ruleset with ``nft -f``, or only checks it (``nft -c``)."""

from __future__ import annotations

import asyncio

from actkit_proto.errors import Invalid, Unavailable


class NftFirewall:
    """Runs the ``nft`` program; needs CAP_NET_ADMIN (compose gives the service NET_ADMIN).

    ``command`` is how nft is started, e.g. ``("ip", "netns", "exec", "lab", "nft")``.
    """

    def __init__(self, command: tuple[str, ...] = ("nft",)) -> None:
        self._command = command

    async def load(self, ruleset: str) -> None:
        """Replace the ruleset atomically.

        Raises:
            Invalid: nft rejected the ruleset.
            Unavailable: nft is not installed.
        """
        await self._run(ruleset, "-f", "-")

    async def check(self, ruleset: str) -> None:
        """Validate the ruleset without changing what is loaded (``nft -c``)."""
        await self._run(ruleset, "-c", "-f", "-")

    async def _run(self, ruleset: str, *arguments: str) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                *arguments,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise Unavailable(
                f"{self._command[-1]} is not installed; the firewall cannot be applied"
            ) from None
        _out, error = await process.communicate(ruleset.encode())
        if process.returncode != 0:
            raise Invalid(f"nft rejected the ruleset: {error.decode().strip()}")
