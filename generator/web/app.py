"""The web intake as one Starlette application: the routes of the three audiences (sign-in,
department, office), the session cookie and the error pages. Every page is Vietnamese; every
refusal is a page, never a trace."""
from __future__ import annotations

import asyncio
import os
import secrets
import time

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import store as storage
from ..failures import record_event, record_failure
from ..timefmt import utc_now_text
from ..workbooks.sandbox import serving
from . import accounts, department, form, office, reminders, review, signin
from .common import HERE, Web, WebConfig, path_for, web_of

__all__ = ["WebConfig", "create_app"]


def _secret(config: WebConfig) -> str:
    path = config.secret_file or config.db.parent / "web-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Every answer gets the headers above; pages and downloads are never cached."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    headers[k] = v
                if not scope["path"].endswith("/kieu.css"):
                    headers["Cache-Control"] = "no-store"
            await send(message)
        await self.app(scope, receive, with_headers)


BODY_CHUNK_SECONDS = 30     # the longest wait for the next piece of a request's body
BODY_TOTAL_SECONDS = 300    # the whole body (10 MB on a slow line)
SLOW_BODY = ("Nội dung gửi lên (tệp biểu, biểu mẫu) đến quá chậm hoặc bị ngắt giữa chừng: hãy kiểm tra đường "
             "truyền rồi gửi lại.")


class SlowBody:
    """A request whose body stalls (no piece for ``BODY_CHUNK_SECONDS``) or trickles (not whole
    after ``BODY_TOTAL_SECONDS``) ends with a Vietnamese 408 page instead of holding the server.
    Once the body is whole, waiting is not timed (a download listens for the client leaving)."""

    def __init__(self, app):
        self.app, self.chunk, self.total = app, BODY_CHUNK_SECONDS, BODY_TOTAL_SECONDS

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.monotonic()
        whole = False

        async def timed():
            nonlocal whole
            if whole:
                return await receive()
            left = min(self.chunk, self.total - (time.monotonic() - start))
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.01))
            except asyncio.TimeoutError:
                raise HTTPException(408, SLOW_BODY) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                whole = True
            return message
        await self.app(scope, timed, send)


def health(request: Request):
    """``/suc-khoe``: 200 when the store answers (for the proxy's and systemd's checks); run in the
    thread pool, as every handler that reads a file or the store."""
    try:
        with storage.open_store(web_of(request).config.db) as store:
            store.execute("SELECT 1").fetchone()
    except Exception:  # noqa: BLE001 - any failure is "not healthy"
        return JSONResponse({"trang_thai": "lỗi", "co_so_du_lieu": "không mở được"}, status_code=503)
    return JSONResponse({"trang_thai": "tốt"})


async def stylesheet(request: Request):
    return FileResponse(HERE / "static" / "kieu.css", media_type="text/css")


ROUTES = [
    Route("/", signin.home, name="home"),
    Route("/kieu.css", stylesheet, name="stylesheet"),
    Route("/suc-khoe", health, name="health"),
    Route("/dang-nhap", signin.login, methods=["GET", "POST"], name="login"),
    Route("/dang-xuat", signin.logout, methods=["POST"], name="logout"),
    Route("/mat-khau", signin.change_password, methods=["GET", "POST"], name="change_password"),
    Route("/don-vi", department.dept_home, name="department_home"),
    Route("/don-vi/{period}/bieu-trong.xlsx", department.blank_workbook, name="blank_workbook"),
    Route("/don-vi/{period}/nop", department.upload, methods=["POST"], name="upload"),
    Route("/don-vi/{period}/bieu-mau", form.form_page, name="form"),
    Route("/don-vi/{period}/bieu-mau", form.form_post, methods=["POST"], name="form_post"),
    Route("/don-vi/{period}/ket-qua/{upload}", department.upload_result, name="upload_result"),
    Route("/don-vi/{period}/ban-nop/{upload}", department.download_revision, name="download_revision"),
    Route("/van-phong", office.office_home, name="office_home"),
    Route("/van-phong/mo-ky", office.open_new_period, methods=["POST"], name="open_period"),
    Route("/van-phong/tai-khoan", accounts.accounts_page, name="accounts"),
    Route("/van-phong/tai-khoan/tao", accounts.create, methods=["POST"], name="create_account"),
    Route("/van-phong/tai-khoan/{name}/{action}", accounts.change, methods=["POST"], name="change_account"),
    Route("/van-phong/{period}", office.dashboard, name="dashboard"),
    Route("/van-phong/{period}/don-vi/{dept}", office.dept_problems, name="department_problems"),
    Route("/van-phong/{period}/don-vi/{dept}/ban-thay/{sha}", office.download_replaced, name="download_replaced"),
    Route("/van-phong/{period}/don-vi/{dept}/bieu", office.dept_workbook, name="department_workbook"),
    Route("/van-phong/{period}/lap-bao-cao", office.start_build, methods=["POST"], name="start_build"),
    Route("/van-phong/{period}/nhan-bieu", office.set_intake, methods=["POST"], name="set_intake"),
    Route("/van-phong/{period}/tien-do/{job}", office.build_progress, name="build_progress"),
    Route("/van-phong/{period}/tai/{kind}", office.download, name="download"),
    Route("/van-phong/{period}/so-sanh", review.compare_page, name="compare"),
    Route("/van-phong/{period}/so-sanh.docx", review.compare_download, name="compare_download"),
    Route("/van-phong/{period}/lan-lap/{number}/bao-cao.docx", review.version_download, name="version_download"),
    Route("/van-phong/{period}/bien-tap", review.edits_home, name="edits"),
    Route("/van-phong/{period}/bien-tap/{section}", review.edits_section, methods=["GET", "POST"], name="edits_section"),
    Route("/van-phong/{period}/nhac-nop", reminders.send, methods=["POST"], name="send_reminders"),
    Route("/van-phong/{period}/chi-tieu", office.indicators, name="indicators"),
    Route("/van-phong/{period}/chi-tieu/{code}", office.indicator_chart, name="indicator_chart"),
    Route("/bieu-do/{kind}.css", office.chart_stylesheet, name="chart_stylesheet"),
]


def http_error(request: Request, exc: HTTPException):
    """A refusal as a Vietnamese page (rendered in the thread pool); no session: the sign-in page."""
    if exc.status_code == 401:
        return RedirectResponse(path_for(request, "login"), 303)
    # our own refusals are Vietnamese; the framework's (multipart limits, …) are English: those
    # pages say the Vietnamese message of their status instead
    detail = exc.detail if exc.detail and not str(exc.detail).isascii() else None
    return web_of(request).refuse(request, exc.status_code, detail)


def client_gone(request: Request, exc: ClientDisconnect):
    """A client that went away in the middle of its request (a closed tab, a dropped line): one
    line in the log, no traceback; nobody is left to read an answer."""
    host = request.client.host if request.client else "?"
    record_event(f"{request.method} {request.url.path}: máy {host} ngắt kết nối giữa chừng", web_of(request).config.db)
    return Response(status_code=400)


def server_error(request: Request, exc: Exception):
    record_failure(exc, f"{request.method} {request.url.path}", web_of(request).config.db)
    return web_of(request).refuse(request, 500)


def create_app(config: WebConfig) -> Starlette:
    """The Starlette application of ``config``: the store created or migrated and builds left
    running closed as interrupted, security headers, the signed session cookie, the routes,
    and the Vietnamese pages for 401/403/404/413 and unforeseen failures (logged, never a trace)."""
    serving()   # the server's reading workers come from a forkserver
    with storage.open_store(config.db) as store:  # create or migrate before the first request
        storage.web.interrupt_build_jobs(store, utc_now_text())
    middleware = [Middleware(SecurityHeaders), Middleware(SlowBody), Middleware(SessionMiddleware, secret_key=_secret(config), session_cookie="baocao_phien",
                             max_age=8 * 3600, same_site="strict", https_only=config.secure_cookies)]
    app = Starlette(routes=ROUTES, middleware=middleware,
                    exception_handlers={HTTPException: http_error, ClientDisconnect: client_gone,
                                        Exception: server_error})
    app.state.web = Web(config)
    return app

