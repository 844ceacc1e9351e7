"""Paging of the issuer API's lists: ``limit``/``offset`` in, ``X-Total-Count`` and ``Link``
out, the same on every list (the 1EdTech APIs page their own way: ``web.ob_api``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

__all__ = ["Limit", "Offset", "page_headers"]

#: how many a page holds, and how many to skip: the query parameters of every paged list
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]


def page_headers(request: Request, *, total: int, offset: int, limit: int) -> dict[str, str]:
    """``X-Total-Count``, and a ``Link`` to the next and previous pages where there are any."""
    links = []
    base = str(request.url.remove_query_params(["limit", "offset"]))
    if offset + limit < total:
        links.append(f'<{base}?limit={limit}&offset={offset + limit}>; rel="next"')
    if offset > 0:
        links.append(f'<{base}?limit={limit}&offset={max(0, offset - limit)}>; rel="prev"')
    headers = {"X-Total-Count": str(total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
