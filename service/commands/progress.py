"""How a long use case tells the person waiting how far it has got: the CLI prints each line, HTTP keeps none."""

from collections.abc import Callable

# One zh-CN line per step, e.g. "已检查 120 行" or "重新排定节点：3 个".
Progress = Callable[[str], None]


def quiet(line: str) -> None:
    """For callers that answer only once the work is done (an HTTP request)."""
