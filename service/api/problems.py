"""RFC 9457 problem details for every error the API returns; never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa đăng nhập",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    409: "Xung đột trạng thái",
    413: "Dữ liệu quá lớn",
    415: "Định dạng không được hỗ trợ",
    422: "Dữ liệu không hợp lệ",
    428: "Thiếu điều kiện bắt buộc",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


class Problem(Exception):
    def __init__(self, status: int, detail: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code
        self.extra = extra


class StillRunning(Exception):
    """An action the workflow accepted but had not finished recording when the deadline passed.

    The API answers 202 with `location`, the resource whose state will show the action's effect.
    """

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def invalid(exc: ValidationError, *where: str) -> RequestValidationError:
    """A model validated inside a handler (a saved view's filters): its errors answered like a bad
    request's, 422 naming each field, under `where` (e.g. "body", "filters")."""
    return RequestValidationError(
        [{**e, "loc": (*where, *e.get("loc", ())), "input": None, "ctx": None} for e in exc.errors()]
    )


def problem_response(
    status: int, detail: str, *, instance: str | None = None, code: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://thidua.gov.vn/problems/{code}" if code else "about:blank",
        "title": _TITLES.get(status, "Lỗi"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if code:
        body["code"] = code
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status in (429, 503) and "retry_after" in extra:
        headers = {"Retry-After": str(max(1, int(extra["retry_after"])))}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_FIELD_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "too_long": "quá nhiều phần tử",
    "literal_error": "giá trị không được chấp nhận",
    "enum": "giá trị không được chấp nhận",
    "int_parsing": "phải là số nguyên",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng",
    "dict_type": "phải là một đối tượng",
    "list_type": "phải là một danh sách",
    "string_type": "phải là chuỗi ký tự",
    "greater_than_equal": "nhỏ hơn giá trị cho phép",
    "less_than_equal": "lớn hơn giá trị cho phép",
    "extra_forbidden": "trường không được phép",
    "uuid_parsing": "không phải mã định danh hợp lệ",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_type": "phải là số",
    "finite_number": "phải là số hữu hạn",
    "string_pattern_mismatch": "sai định dạng",
    "control_character": "chứa ký tự điều khiển không được phép",
}


# How long a client should wait before trying again when the database cannot be reached.
DATABASE_RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE = (
    "Hệ thống tạm thời không kết nối được cơ sở dữ liệu; yêu cầu chưa được thực hiện. Vui lòng thử lại sau ít phút."
)
# Raised when the database cannot be reached: refused or reset connections, a pool that gives out
# no connection in time, a server shutting down (psycopg's OperationalError, wrapped by SQLAlchemy).
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, ConnectionError)


def database_unavailable(exc: BaseException) -> bool:
    """True for an error that says the database is out of reach (not that a statement was wrong)."""
    if isinstance(exc, _UNAVAILABLE):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def field_message(err: Mapping[str, Any]) -> str:
    """The Vietnamese message of one validation error (pydantic's own text when there is none)."""
    return _FIELD_MESSAGES.get(err.get("type", ""), err.get("msg", ""))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        out.append({"field": ".".join(loc), "message": field_message(err), "type": err.get("type")})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(StillRunning)
    async def _still_running(request: Request, exc: StillRunning) -> JSONResponse:
        # Not an error: the action was accepted and will take effect; the client looks at `location`.
        return JSONResponse(
            {
                "status": "accepted",
                "detail": "Thao tác đã được tiếp nhận và đang được ghi nhận; hãy xem lại hồ sơ sau ít phút.",
                "location": exc.location,
            },
            status_code=202,
            headers={"Location": exc.location, "Retry-After": "5"},
        )

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.detail, instance=request.url.path, code=exc.code, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        fields = ", ".join(e["field"] or "(nội dung)" for e in errors[:5])
        return problem_response(
            422,
            f"Dữ liệu gửi lên không hợp lệ: {fields}.",
            instance=request.url.path,
            code="validation",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and exc.status_code != 404 else None
        if exc.status_code == 404:
            detail = "Không tìm thấy tài nguyên yêu cầu."
        elif exc.status_code == 405:
            detail = "Phương thức này không được hỗ trợ cho địa chỉ này."
        elif exc.status_code == 400:
            # Starlette's own messages (an unreadable body) are English: say it in Vietnamese.
            detail = "Nội dung yêu cầu không đọc được; hãy gửi lại đúng định dạng."
        return problem_response(
            exc.status_code, detail or _TITLES.get(exc.status_code, "Lỗi"), instance=request.url.path
        )

    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        """An outage of the database answers 503 with Retry-After; any other database error is a bug (500)."""
        if not database_unavailable(exc):
            return _server_error(request)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.__class__.__name__)
        return problem_response(
            503,
            DATABASE_UNAVAILABLE,
            instance=request.url.path,
            code="database_unavailable",
            retry_after=DATABASE_RETRY_AFTER_SECONDS,
        )

    for error in (DBAPIError, PoolTimeout, ConnectionError):
        app.add_exception_handler(error, _database_error)  # type: ignore[arg-type]

    def _server_error(request: Request) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "Đã có lỗi hệ thống; yêu cầu chưa được thực hiện. Vui lòng thử lại sau.", instance=request.url.path
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            return await _database_error(request, exc)
        return _server_error(request)
