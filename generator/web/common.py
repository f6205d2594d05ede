"""What every page of the web intake shares: the application's state (configuration,
catalogue, page templates), rendering, CSRF, who is signed in, periods and the upload log.
Route handlers live in ``signin``, ``department`` and ``office``, at module level; they reach
this state through ``web_of(request)``."""
from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from jinja2 import pass_context
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from .. import pipeline
from .. import store as storage
from ..earlier import consulted
from ..edits import edits_path
from ..kept import Kept, templates_state
from ..periods import Period
from ..settings import resolve_templates
from ..timefmt import format_time, zone_setting
from ..vi_numbers import format_number
from .auth import session_account

HERE = Path(__file__).resolve().parent
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền xem trang này.",
    404: "Không tìm thấy trang hoặc tệp.",
    405: "Thao tác không được phép.",
    408: "Yêu cầu đến quá chậm hoặc không trọn vẹn; hãy kiểm tra đường truyền rồi thử lại.",
    411: "Trình duyệt không cho biết kích thước tệp gửi lên.",
    409: "Thao tác đang được thực hiện; hãy đợi rồi thử lại.",
    413: "Tệp gửi lên quá lớn.",
    429: "Thao tác quá nhiều lần, hãy đợi một lúc rồi thử lại.",
    500: "Có lỗi ngoài ý muốn. Hãy thử lại hoặc báo cho bộ phận kỹ thuật.",
    507: "Kho lưu bản nộp đã đầy; hãy báo Văn phòng.",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class WebConfig:
    """What ``baocao serve`` was started with: the folders (inputs, build output, templates),
    the store's path, the session secret's file, the upload limit in bytes, whether cookies
    are Secure; and the running builds' states (``jobs``, guarded by ``lock``)."""
    inputs: Path = Path("inputs")
    out: Path = Path("build")
    db: Path = Path("data/baocao.sqlite")
    templates: Path | None = None
    secret_file: Path | None = None
    max_upload_bytes: int = 10 * 2**20
    secure_cookies: bool = False
    jobs: dict = field(default_factory=dict)
    builds: dict = field(default_factory=dict)   # (period, draft) -> (what its last build read, its files)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Web:
    """The application's state: one per ``create_app``."""

    def __init__(self, config: WebConfig):
        self.config = config
        self.pages = Jinja2Templates(directory=str(HERE / "templates"))
        self.kept = Kept()   # readings of workbooks, while nothing they depend on changes
        # one connection to the store held open while the server runs: a request closing its own
        # is then never the store's last connection, whose close checkpoints the WAL into the
        # database and fsyncs it on every request (SQLite still checkpoints every 1000 pages)
        self.store_keeper = storage.open_store(config.db)
        self._contexts: dict = {}
        self._checks: dict = {}   # period -> (what its last page check read, its result)
        self._contexts_lock = threading.Lock()
        self.base_ctx = self.ctx_for("2000-01")
        self.departments = self.base_ctx.catalogue.full.departments   # ended ones keep their names
        zone = zone_setting(self.base_ctx.settings)
        self.pages.env.filters["gio"] = lambda t: format_time(t, zone)   # «02:04 ngày 28/11/2026»
        self.pages.env.filters["co_tep"] = size_text
        self.pages.env.filters["thoi_luong"] = duration_text
        self.pages.env.filters["so"] = number_text
        self.pages.env.globals["so_bien_nhan"] = receipt_number
        self.pages.env.globals["path_for"] = _path_in_page

    def archive_path(self, period: str, department: str, sha256: str) -> Path:
        """Where an accepted upload is kept, so a department can download any of its revisions."""
        return self.config.db.parent / "ban-nop" / str(period) / department / f"{sha256}.xlsx"

    def settings_for(self, period: Period):
        """The settings in force in ``period`` (cai-dat.toml's [[theo_ky]] blocks applied)."""
        return self.base_ctx.settings.for_period(period)

    def ctx_for(self, period: str | Period) -> pipeline.Context:
        """``pipeline.open_context`` of ``period`` with the server's folders and store, loaded
        again only when the templates folder changed (its files' names, sizes, times): every
        page and upload shares one catalogue and settings; ``InputError`` when the catalogue
        is broken."""
        c = self.config
        folder, _origin = resolve_templates(c.templates)
        key = (str(period), str(folder), templates_state(folder))
        with self._contexts_lock:
            got = self._contexts.get(key)
        if got is None:
            got = pipeline.open_context(period, c.inputs, c.out, c.templates, c.db)
            with self._contexts_lock:
                self._contexts = {k: v for k, v in self._contexts.items() if k[1:] == key[1:]}   # older templates go
                self._contexts[key] = got
        return got

    def check(self, ctx: pipeline.Context, override: dict | None = None, only: str | None = None) -> pipeline.CheckResult:
        """``pipeline.check`` of a page or a verdict (nothing recorded): a workbook whose bytes
        and templates are those of a reading this server kept is not read again (``kept``).
        ``only``: a department's verdict (``pipeline.check``). A page's check (no ``override``,
        no ``only``) when nothing it reads changed since the last one
        (``reads_of``) is that check's result, shared: pages only read it."""
        if override or only:   # an upload's or a form's verdict, a department's own counts
            return pipeline.check(ctx, override=override, record=False, only=only, kept=self.kept)
        key = (str(ctx.period), self.reads_of(ctx))
        with self._contexts_lock:
            last = self._checks.get(key[0])
        if last is not None and last[0] == key and last[1].context is ctx:
            return last[1]
        res = pipeline.check(ctx, record=False, kept=self.kept)
        if (str(ctx.period), self.reads_of(ctx)) == key:   # nothing changed while it read
            with self._contexts_lock:
                self._checks[key[0]] = (key, res)
        return res

    def reads_of(self, ctx: pipeline.Context) -> tuple:
        """Everything a check or a build of the period reads, as it stands now: the templates
        folder, every file of the period's folder and of the earlier periods' it consults
        (names and SHA-256), the office's edits file, and — last — the store's acceptances."""
        def folder(p: Period):
            where = ctx.inputs / str(p)
            try:
                names = sorted(n for n in os.listdir(where) if not n.startswith("."))
            except OSError:
                return None
            return tuple((n, self.kept.sha256(where / n)) for n in names)
        try:
            st = os.stat(edits_path(ctx))
            edits = st.st_ino, st.st_size, st.st_mtime_ns
        except OSError:
            edits = None
        with storage.open_store(self.config.db) as store:
            accepted = tuple(store.execute("SELECT MAX(id), COUNT(*) FROM acceptance").fetchone())
        return (str(ctx.templates), templates_state(ctx.templates), folder(ctx.period),
                tuple((str(p), folder(p)) for p in consulted(ctx.period)), edits, accepted)

    def render(self, request: Request, name: str, status_code: int = 200, **values) -> Response:
        """The page template ``name`` (``web/templates``) as an HTML response with ``values`` and
        what every page needs (the user, the CSRF token, the base path, the departments)."""
        values.setdefault("user", getattr(request.state, "user", None))
        values["csrf"] = csrf_token(request)
        values["departments"] = self.departments
        return self.pages.TemplateResponse(request, name, values, status_code=status_code)

    def refuse(self, request: Request, code: int, detail: str | None = None) -> Response:
        """The error page for HTTP ``code`` with ``detail`` (Vietnamese; default: the code's message)."""
        return self.render(request, "loi.html", status_code=code, code=code, message=detail or MESSAGES.get(code, ""))

    def open_period(self, text: str) -> Period:
        """The Period of a URL's ``{period}`` (``YYYY-MM``) whose folder exists;
        ``HTTPException(404)`` with a Vietnamese reason otherwise."""
        try:
            p = Period.parse(text)
        except ValueError:
            raise HTTPException(404, f"Kỳ báo cáo «{text}» không hợp lệ") from None
        if not (self.config.inputs / str(p)).is_dir():
            raise HTTPException(404, f"Kỳ {p} chưa được mở")
        return p

    def periods(self) -> list[str]:
        """The open periods: the ``YYYY-MM`` folders of the inputs folder, newest first."""
        if not self.config.inputs.is_dir():
            return []
        out = []
        for d in self.config.inputs.iterdir():
            try:
                if d.is_dir():
                    out.append(str(Period.parse(d.name)))
            except ValueError:
                continue
        return sorted(out, reverse=True)

    def uploads(self, period: str) -> dict:
        """The last upload event of each department for ``period`` (``store.web.last_uploads``)."""
        with storage.open_store(self.config.db) as store:
            return storage.web.last_uploads(store, period)


def receipt_number(period: str, upload_id: int) -> str:
    """The number a department quotes for an accepted upload: «BN-2026-11-00042» (period and
    the upload's place in the store's log)."""
    return f"BN-{period}-{upload_id:05d}"


def size_text(size: int | None) -> str:
    """«48.213 byte (47 KB)» as a clerk reads a file's size."""
    if size is None:
        return ""
    kb = (size + 1023) // 1024
    return f"{format_number(Decimal(size), 0)} byte ({format_number(Decimal(kb), 0)} KB)"


def number_text(value) -> str:
    """A figure as the report prints it: «2.945», «1.215,57»."""
    d = Decimal(str(value))
    places = max(-d.normalize().as_tuple().exponent, 0) if d != d.to_integral_value() else 0
    return format_number(d, min(places, 4))


def duration_text(seconds) -> str:
    """«8 giây», «1 phút 5 giây»."""
    seconds = max(int(round(seconds or 0)), 0)
    if seconds < 60:
        return f"{seconds} giây"
    return f"{seconds // 60} phút" + (f" {seconds % 60} giây" if seconds % 60 else "")


def deadline_of(period: Period, settings: dict):
    """The day departments send their workbooks by (``[nop_bao_cao] han_nop_ngay`` of the
    reporting month)."""
    return dt.date(period.year, period.month, settings["nop_bao_cao"]["han_nop_ngay"])   # 1–28 (the schema)


def days_left_text(deadline, today=None) -> str:
    """«còn 5 ngày», «hôm nay là hạn cuối», «quá hạn 2 ngày»."""
    days = (deadline - (today or dt.date.today())).days
    if days > 0:
        return f"còn {days} ngày"
    return "hôm nay là hạn cuối" if days == 0 else f"đã quá hạn {-days} ngày"


def path_for(request: Request, name: str, /, **params) -> str:
    """The path of the named route with its parameters, as ``request.url_for`` gives it: under the
    sub-path the server is served at (``--root-path``), the host left to the browser. Every link
    and redirect is made by it (in the pages: ``{{ path_for("dashboard", period=period) }}``)."""
    return request.url_for(name, **{k: str(v) for k, v in params.items()}).path


@pass_context
def _path_in_page(context, name: str, /, **params) -> str:
    return path_for(context["request"], name, **params)


def web_of(request: Request) -> Web:
    """The application's Web state."""
    return request.app.state.web


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token, made (32 random bytes, URL-safe) on first use."""
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(32)
    return request.session["csrf"]


def check_csrf(request: Request, form) -> None:
    """``HTTPException(403)`` (Vietnamese) unless ``form`` carries the session's CSRF token."""
    sent = form.get("csrf", "")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, request.session.get("csrf", "\0")):
        raise HTTPException(403, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã chống giả "
                                 "mạo). Hãy tải lại trang rồi thử lại.")


def current_user(request: Request) -> dict | None:
    """The signed-in account, from the server-side session the cookie names (None when the
    session ended: signed out, password reset, role changed, account disabled, idle)."""
    if hasattr(request.state, "user"):
        return request.state.user
    account = session_account(web_of(request).config.db, request.session.get("sid", ""))
    user = None if account is None else {k: account[k] for k in ("username", "role", "department")}
    if user is None and "sid" in request.session:
        request.session.pop("sid")
    request.state.user = user
    return user


def user_of(request: Request, role: str | None = None) -> dict:
    """The signed-in account (dict); ``HTTPException(401)`` when nobody is signed in, 403 when
    ``role`` is given (``office``, ``department``) and the account has another."""
    user = current_user(request)
    if not user:
        raise HTTPException(401)
    if role and user["role"] != role:
        raise HTTPException(403)
    return user
