"""Path and query parameters the routes share: ids within range, paging, the answer's format."""

from typing import Annotated, Literal

from fastapi import Path, Query

from service.fields import MAX_INT
from service.queries.common import MAX_PAGE_SIZE

EntityId = Annotated[int, Path(ge=1, le=MAX_INT, description="编号")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_INT)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="页码，从 1 开始")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")]
Format = Annotated[Literal["json", "xlsx"], Query(description="json，或 xlsx 导出全部符合条件的记录")]
