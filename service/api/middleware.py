"""ASGI middleware: a limit on request bodies, control characters refused in the request line and
in sign-in forms, and security headers on every response."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.rules.text import has_control_characters
from service.api.problems import problem_response
from service.api.schemas.submissions import MAX_LIST_BYTES

# Uploads of files (a dossier's, a plan report's) may be larger than other bodies (multipart overhead included).
_UPLOAD_PATH = re.compile(r"^/api/v1/(nominations/[^/]+/attachments|plans/[^/]+/reports/[^/]+/files)/?$")
_MULTIPART_OVERHEAD = 64 * 1024
# A unit's list (JSON or an Excel file) may be larger too: up to MAX_LIST_BYTES.
_LIST_PATH = re.compile(r"^/api/v1/submissions/?$")


class BodySizeLimit:
    """Refuse a request body larger than the limit with 413 problem+json, before or while reading it.

    A declared Content-Length over the limit is refused at once; a body without one (chunked) is
    counted as it arrives, and the read fails with 413 as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body = max_body_bytes
        self.max_upload = max_upload_bytes + _MULTIPART_OVERHEAD
        self.max_list = max(max_body_bytes, MAX_LIST_BYTES + _MULTIPART_OVERHEAD)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = (
            self.max_upload if _UPLOAD_PATH.match(path) else self.max_list if _LIST_PATH.match(path) else self.max_body
        )
        detail = f"Dữ liệu gửi lên vượt quá giới hạn {limit // 1024} KB."
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    status = 413 if declared > limit else 400
                    message = detail if status == 413 else "Content-Length không hợp lệ."
                    code = "body_too_large" if status == 413 else "bad_content_length"
                    response = problem_response(status, message, instance=scope["path"], code=code)
                    await response(scope, receive, send)
                    return
        received = 0
        exceeded = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise HTTPException(413, detail)
            return message

        async def answer_413() -> None:
            nonlocal answered
            answered = True
            response = problem_response(413, detail, instance=scope["path"], code="body_too_large")
            await response(scope, receive, send)

        async def guarded_send(message: Message) -> None:
            # Whatever the layers inside made of the interrupted read (a 400 "cannot parse"), the
            # client is told the truth: the body was too large.
            if exceeded:
                if not answered:
                    await answer_413()
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
            if not answered:
                await answer_413()


_FORM = "application/x-www-form-urlencoded"


def _fields_with_control_characters(encoded: str) -> list[str]:
    """Names of the fields of a query string or urlencoded form whose name or value holds a control character."""
    return [
        name if not has_control_characters(name) else "(tên trường)"
        for name, value in parse_qsl(encoded, keep_blank_values=True)
        if has_control_characters(name) or has_control_characters(value)
    ]


class RejectControlCharacters:
    """Refuse with 422 problem+json a control character (NUL included) in the path, in the query
    string or in a urlencoded form (the sign-in), before any handler could pass it on to PostgreSQL,
    which cannot store NUL in text. JSON bodies are checked field by field by their schemas (the
    types Line and Text of service/api/schemas/common.py); multipart uploads by their own fields.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fields: list[str] = []
        if has_control_characters(scope["path"]):
            fields.append("(đường dẫn)")
        # Decoded as Starlette decodes it for the handlers (latin-1 bytes, then UTF-8 percent-escapes).
        fields += _fields_with_control_characters(scope.get("query_string", b"").decode("latin-1"))
        content_type = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
        if not fields and content_type.split(b";")[0].strip().lower() == _FORM.encode():
            # A sign-in form is small (and the body limit outside this layer bounds it): read it
            # whole, check it, and hand the same bytes on.
            messages: list[Message] = []
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
            fields += _fields_with_control_characters(body.decode("latin-1"))
            upstream = receive

            async def replay() -> Message:
                return messages.pop(0) if messages else await upstream()

            receive = replay
        if fields:
            names = ", ".join(f"«{f}»" for f in dict.fromkeys(fields))
            response = problem_response(
                422,
                f"Dữ liệu gửi lên không hợp lệ: {names} chứa ký tự điều khiển không được phép.",
                instance=scope["path"] if not has_control_characters(scope["path"]) else None,
                code="control_character",
                errors=[
                    {"field": f, "message": "chứa ký tự điều khiển không được phép", "type": "control_character"}
                    for f in dict.fromkeys(fields)
                ],
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


API_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# JSON answers are never a page: nothing in them may run or be framed.
_API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


class SecurityHeaders:
    """Security headers on every response; API answers carrying personal data are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    headers.setdefault(name, value)
                if is_api:
                    headers.setdefault("Content-Security-Policy", _API_CSP)
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
