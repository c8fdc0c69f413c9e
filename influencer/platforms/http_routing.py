"""A ``requests`` transport adapter that reroutes a library's hard-coded host and sets a timeout.

tweepy sends every request to ``https://api.twitter.com`` and sets no timeout. Mounting
``Rerouted`` on the library's own session is the routing seam: the library builds, signs and
parses as it always does, and only the address and timeout of what leaves change. Tests point it
at a stand-in on 127.0.0.1; in production it points at the platform (or a proxy in front of it).
Retries stay off (``max_retries=0``): one retry policy lives outside the adapters.
"""

from __future__ import annotations

from collections.abc import Mapping

import requests
from requests.adapters import HTTPAdapter

Timeout = float | tuple[float, float] | tuple[float, None] | None


class Rerouted(HTTPAdapter):
    def __init__(self, addressed_to: str, base_url: str, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.addressed_to = addressed_to.rstrip("/")  # the host the library writes into its URLs
        self.base_url = base_url.rstrip("/")  # where the requests really go
        self.timeout = timeout  # seconds, for connecting and for each read

    def mount_on(self, session: requests.Session) -> None:
        session.mount(self.addressed_to + "/", self)

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Timeout = None,
             verify: bool | str = True, cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        url = request.url or ""
        if url.startswith(self.addressed_to + "/"):
            request.url = self.base_url + url[len(self.addressed_to):]
        return super().send(request, stream, self.timeout if timeout is None else timeout,
                            verify, cert, proxies)
