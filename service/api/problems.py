"""Errors as RFC 9457 problem details: zh-CN `detail`, a stable machine `code`, the fields or cells at fault."""

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.errors import DomainError, RulesFailed

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

_TITLES = {
    400: "请求有误",
    401: "未登录或登录已失效",
    403: "无权执行此操作",
    404: "未找到",
    405: "不支持的请求方法",
    409: "与当前状态冲突",
    413: "上传文件过大",
    415: "不支持的文件类型",
    422: "提交的内容有误",
    429: "请求过于频繁",
    500: "服务器内部错误",
}
_HTTP_CODES = {
    400: "malformed_body",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}
_HTTP_DETAILS = {
    400: "请求内容无法解析：应为 UTF-8 编码的 JSON 或表单",
    404: "请求的资源不存在",
    405: "该地址不支持此请求方法",
}
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VALIDATION_ZH = {
    "missing": "必须填写",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "string_type": "应为文本",
    "string_unicode": "含有无法编码的字符（单独的 UTF-16 代理项）",  # a lone surrogate where no text policy reads first
    "model_attributes_type": "应为对象",
}


class FieldProblem(BaseModel):
    field: str
    message: str


class CellProblem(BaseModel):
    sheet: str
    row: int | None = None
    column: str | None = None
    message: str


class RuleProblem(BaseModel):
    code: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the rules, fields or spreadsheet cells at fault."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    fields: list[FieldProblem] | None = None
    violations: list[RuleProblem] | None = None
    errors: list[CellProblem] | None = None


def problem_response(
    request: Request, *, status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = Problem(
        type=f"urn:sanshe:problem:{code}",
        title=_TITLES.get(status, "请求未能完成"),
        status=status,
        detail=detail,
        code=code,
        instance=request.url.path,
        **extra,
    )
    return JSONResponse(
        jsonable_encoder(body, exclude_none=True), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    extra: dict[str, Any] = {}
    if isinstance(exc, RulesFailed):
        extra["violations"] = [RuleProblem(code=v.code, message=v.message) for v in exc.violations]
    fields = getattr(exc, "fields", None)  # a payload of the wrong shape: the same answer as a wrong body
    if fields:
        extra["fields"] = [FieldProblem(field=field, message=message) for field, message in fields]
    cells = getattr(exc, "errors", None)
    if cells:
        extra["errors"] = [
            CellProblem(
                sheet=str(c.sheet), row=c.row, column=None if c.column is None else str(c.column), message=c.message
            )
            for c in cells
        ]
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else getattr(exc, "headers", None)
    return problem_response(request, status=exc.status, code=exc.code, detail=exc.message, headers=headers, **extra)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if any(error.get("type") == "json_invalid" for error in exc.errors()):  # unparseable, not a wrong value
        return problem_response(request, status=400, code=_HTTP_CODES[400], detail="请求内容无法解析：不是有效的 JSON")
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        methods = _resource_methods(request)
        if methods and request.method not in methods:  # a literal path read as another route's parameter:
            return _http_error(request, StarletteHTTPException(405))  # GET …/calendar-feed as …/{assignment_id}
    fields = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",)) or "body"
        fields.append(
            FieldProblem(field=field, message=_VALIDATION_ZH.get(error.get("type", ""), str(error.get("msg", ""))))
        )
    detail = "；".join(f"字段 {f.field}：{f.message}" for f in fields) or "请求内容有误"
    return problem_response(request, status=422, code="validation_error", detail=detail, fields=fields)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = getattr(exc, "headers", None)
    if status == 405:
        headers = {**(headers or {}), **_allow_header(request)}
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and not exc.detail.isascii()
        else _HTTP_DETAILS.get(status, _TITLES.get(status, "请求未能完成"))
    )
    return problem_response(
        request,
        status=status,
        code=_HTTP_CODES.get(status, f"http_{status}"),
        detail=detail,
        headers=headers,
    )


def _allow_header(request: Request) -> dict[str, str]:
    methods = _resource_methods(request)
    return {"Allow": ", ".join(sorted(methods))} if methods else {}


def _resource_methods(request: Request) -> set[str]:
    """The methods of the path as the OpenAPI document has it (the router names only those of its first route).

    Of the templates that match, the most literal one names the resource: `/review-assignments/calendar-feed`,
    not `/review-assignments/{assignment_id}`.
    """
    path = request.url.path.removeprefix(request.scope.get("root_path", ""))
    matching = [
        (template.count("{"), operations)
        for template, operations in request.app.openapi()["paths"].items()
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path)
    ]
    fewest = min((parameters for parameters, _ in matching), default=0)
    return {
        method.upper()
        for parameters, operations in matching
        if parameters == fewest
        for method in operations
        if method in _HTTP_METHODS
    }


def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """The traceback to the log, a problem without internal details to the client."""
    log.error("未处理的错误：%s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        detail="服务器内部错误，请稍后重试或联系管理员",
        headers={"X-Content-Type-Options": "nosniff"},  # answered outside the middleware that adds it elsewhere
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, unexpected_error)  # errors of the outer middleware only
    _document_problem_schema(app)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the listed error statuses, all answered as problem details."""
    return {
        status: {
            "description": _TITLES.get(status, "错误"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def _document_problem_schema(app: FastAPI) -> None:
    """Put `Problem` and its parts into the OpenAPI components that `problem_responses` point at.

    Every operation with a body may answer 400: a body that is not UTF-8 or not parseable never reaches validation.
    """
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            definition = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(definition.pop("$defs", {}))
            components["Problem"] = definition
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        operation.setdefault("responses", {}).setdefault("400", problem_responses(400)[400])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
