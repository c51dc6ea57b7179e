"""What a console form takes in, and how its refusals are said: typed parameters, each field's problem in Chinese
beside it, and the use case run only on a valid form (a taken value named beside its field)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Form, Query
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from models.validation_messages import in_chinese
from service.errors import Duplicate

PAGE_SIZE = 20
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
Words = Annotated[str | None, Query(max_length=60)]  # a list's text filter
FormText = Annotated[str, Form(max_length=300)]
Done = Annotated[str | None, Query(max_length=10)]  # `?done=saved` after a redirect
SAVED = "已保存。"


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // page_size))


def words(value: str | None) -> str:
    return (value or "").strip()


def chosen_id(value: str | None) -> int | None:
    """A filter select's value: empty for 'all', otherwise an id; anything else (letters, "²", a sign) is no
    filter, not an error page."""
    return int(value) if value and value.isascii() and value.isdigit() else None


def field_errors(exc: ValidationError, labels: dict[str, str]) -> dict[str, str]:
    """Each field's first problem in Chinese (a blank required field asks for it by name); a problem of no field
    on the form is shown beside the first."""
    errors: dict[str, str] = {}
    for problem in exc.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        field = field if field in labels else next(iter(labels))
        if problem["type"] == "string_too_short":
            message = f"请填写{labels[field]}"
        elif problem["type"] == "string_too_long":
            message = f"{labels[field]}最多 {problem.get('ctx', {}).get('max_length')} 个字"
        elif problem["type"] == "enum":
            message = f"请从列表中选择{labels[field]}"
        else:
            message = in_chinese(problem)
        errors.setdefault(field, message)
    return errors


def validated(model: type[BaseModel], facts: dict[str, Any], labels: dict[str, str]) -> tuple[Any, dict[str, str]]:
    """The use case's input built from the form, or `None` and each field's problem."""
    try:
        return model(**facts), {}
    except ValidationError as exc:
        return None, field_errors(exc, labels)


def save(
    session: Session, change: Callable[[], Any], errors: dict[str, str], duplicate_field: str
) -> tuple[bool, dict[str, str]]:
    """Run the use case when the form is valid; a taken value is named beside its field (other refusals: a page)."""
    if errors:
        return False, errors
    try:
        change()
    except Duplicate as exc:
        session.rollback()
        return False, {duplicate_field: exc.message}
    return True, {}
