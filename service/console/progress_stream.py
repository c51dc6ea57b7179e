"""A long use case's progress, written into the very page that started it, line by line as the work goes.

Why not a progress record that the page polls: on SQLite every transaction holds the write lock from its start
(BEGIN IMMEDIATE, `models.database`), so a second request reading a progress row would wait for the work it
wants to watch. So the answer to the POST itself is streamed instead:

1. the page, rendered as usual with `MARKER` where the live part goes, is sent up to the marker;
2. the use case runs in a worker thread on the request's own session, and each line it hands its `progress`
   callback (`service.commands.progress.Progress`, e.g. "已检查 120 行") is sent at once as a list item;
3. its result, HTML that the caller renders when the work is done (counts, or the errors found), then the rest
   of the page.

The request's session stays open while the answer streams: since FastAPI 0.118 the exit code of a dependency
with yield (`service.api.deps.get_session` closes the session there) runs after the response has been sent, not
when the route returns. If the browser goes away midway, the work still runs to its end (an all-or-nothing import
is never cut in half) and the answer waits for it, so the session is closed only when nothing uses it.

Use: `return streamed_page(render(request, "console/x.html", ..., live=MARKER), work)` with the template printing
`{{ live | safe }}` once, and `work(progress) -> str` that calls the use case and renders what came of it,
catching the use case's refusals itself. Anything it does not catch is logged and shown as `failure`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import anyio
from fastapi.responses import HTMLResponse, StreamingResponse
from markupsafe import escape

from service.commands.progress import Progress

log = logging.getLogger(__name__)

MARKER = "<!-- progress-stream -->"
LINES_OPEN = '<ol class="progress-lines" aria-label="进度">\n'
LINES_CLOSE = "</ol>\n"
FAILURE = '<p class="alert alert-error" role="alert">操作意外中断，请稍后重试；若仍不成功，请联系系统管理员。</p>'
_DONE = None  # what the worker puts in the queue when it has finished


def streamed_page(page: HTMLResponse, work: Callable[[Progress], str], *, failure: str = FAILURE) -> StreamingResponse:
    """The page with `work`'s progress lines and then its result streamed in at `MARKER`; headers and cookies kept."""
    text = bytes(page.body).decode("utf-8")
    if text.count(MARKER) != 1:
        raise ValueError("the page must hold the progress marker exactly once")
    head, tail = text.split(MARKER)
    response = StreamingResponse(_body(head, tail, work, failure), status_code=page.status_code)
    kept = [(name, value) for name, value in page.raw_headers if name.lower() != b"content-length"]
    response.raw_headers = kept  # the page's content type, no-store, frame denial and any new CSRF cookie
    return response


async def _body(head: str, tail: str, work: Callable[[Progress], str], failure: str) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def report(line: str) -> None:
        loop.call_soon_threadsafe(lines.put_nowait, line)

    def run() -> str:
        try:
            return work(report)
        except Exception:
            log.exception("a streamed operation failed")
            return failure
        finally:
            loop.call_soon_threadsafe(lines.put_nowait, _DONE)

    yield head
    worker = loop.run_in_executor(None, run)
    try:
        yield LINES_OPEN
        while (line := await lines.get()) is not _DONE:
            yield f"<li>{escape(line)}</li>\n"
        result = await worker
        yield LINES_CLOSE + result + tail
    finally:
        if not worker.done():  # the browser went away: let the work finish before the session is closed
            with anyio.CancelScope(shield=True):
                await asyncio.wait({worker})
