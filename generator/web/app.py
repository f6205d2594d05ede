"""Routes of the web intake. Every page is Vietnamese; every refusal is a page, never a trace."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from .. import pipeline
from .. import store as S
from ..periods import Period, period_phrase
from ..problems import BaocaoError, InputError
from ..workbooks import layout as L
from .auth import authenticate

HERE = Path(__file__).resolve().parent
MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền xem trang này.",
    404: "Không tìm thấy trang hoặc tệp.",
    405: "Thao tác không được phép.",
    411: "Trình duyệt không cho biết kích thước tệp gửi lên.",
    413: "Tệp gửi lên quá lớn.",
    500: "Có lỗi ngoài ý muốn. Hãy thử lại hoặc báo cho bộ phận kỹ thuật.",
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class WebConfig:
    inputs: Path = Path("inputs")
    out: Path = Path("build")
    db: Path = Path("data/baocao.sqlite")
    templates: Path | None = None
    secret_file: Path | None = None
    max_upload_bytes: int = 10 * 2**20
    secure_cookies: bool = False
    jobs: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _secret(config: WebConfig) -> str:
    path = config.secret_file or config.db.parent / "web-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def create_app(config: WebConfig) -> Starlette:
    S.open_store(config.db).close()  # create or migrate before the first request
    templates = Jinja2Templates(directory=str(HERE / "templates"))

    def ctx_for(period: str | Period) -> pipeline.Context:
        return pipeline.open_context(period, config.inputs, config.out, config.templates, config.db)

    base_ctx = ctx_for("2000-01")
    departments = base_ctx.catalogue.departments

    def render(request: Request, name: str, status_code: int = 200, **values) -> Response:
        values.setdefault("user", request.session.get("user"))
        values["csrf"] = csrf_token(request)
        values["departments"] = departments
        return templates.TemplateResponse(request, name, values, status_code=status_code)

    def refuse(request: Request, code: int, detail: str | None = None) -> Response:
        return render(request, "loi.html", status_code=code, code=code, message=detail or MESSAGES.get(code, ""))

    # ------------------------------------------------------------------ helpers
    def csrf_token(request: Request) -> str:
        if "csrf" not in request.session:
            request.session["csrf"] = secrets.token_urlsafe(32)
        return request.session["csrf"]

    def check_csrf(request: Request, form) -> None:
        sent = form.get("csrf", "")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, request.session.get("csrf", "\0")):
            raise HTTPException(403, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã chống giả "
                                     "mạo). Hãy tải lại trang rồi thử lại.")

    def user_of(request: Request, role: str | None = None) -> dict:
        user = request.session.get("user")
        if not user:
            raise HTTPException(401)
        if role and user["role"] != role:
            raise HTTPException(403)
        return user

    def open_period(text: str) -> Period:
        try:
            p = Period.parse(text)
        except ValueError:
            raise HTTPException(404, f"Kỳ báo cáo «{text}» không hợp lệ") from None
        if not (config.inputs / str(p)).is_dir():
            raise HTTPException(404, f"Kỳ {p} chưa được mở")
        return p

    def periods() -> list[str]:
        if not config.inputs.is_dir():
            return []
        out = []
        for d in config.inputs.iterdir():
            try:
                if d.is_dir():
                    out.append(str(Period.parse(d.name)))
            except ValueError:
                continue
        return sorted(out, reverse=True)

    def uploads(period: str) -> dict:
        store = S.open_store(config.db)
        try:
            return S.last_uploads(store, period)
        finally:
            store.close()

    # ------------------------------------------------------------------ pages
    async def home(request: Request):
        user = request.session.get("user")
        if not user:
            return RedirectResponse("/dang-nhap", 303)
        return RedirectResponse("/van-phong" if user["role"] == "office" else "/don-vi", 303)

    async def login(request: Request):
        if request.method == "GET":
            return render(request, "dang-nhap.html")
        form = await request.form(max_files=0, max_fields=5)
        check_csrf(request, form)
        account = await run_in_threadpool(authenticate, config.db, str(form.get("ten", "")), str(form.get("mat_khau", "")))
        if account is None:
            return render(request, "dang-nhap.html", status_code=401,
                          error="Tên đăng nhập hoặc mật khẩu không đúng.")
        request.session.clear()
        request.session["user"] = {"username": account["username"], "role": account["role"],
                                   "department": account["department"]}
        return RedirectResponse("/", 303)

    async def logout(request: Request):
        form = await request.form(max_files=0, max_fields=2)
        check_csrf(request, form)
        request.session.clear()
        return RedirectResponse("/dang-nhap", 303)

    # department side
    async def dept_home(request: Request):
        user = user_of(request, "department")
        dept = user["department"]
        rows = []
        for p in periods():
            last = uploads(p).get(dept)
            exists = (config.inputs / p / L.filename(dept)).exists()
            rows.append({"period": p, "phrase": period_phrase(Period.parse(p), base_ctx.settings),
                         "submitted": exists, "last": last})
        return render(request, "don-vi.html", rows=rows, department=departments[dept])

    async def blank_workbook(request: Request):
        user = user_of(request, "department")
        period = open_period(request.path_params["period"])

        def make() -> bytes:
            import io
            from ..workbooks.init import department_workbook
            ctx = ctx_for(period)
            wb = department_workbook(ctx.catalogue, departments[user["department"]], period, ctx.settings,
                                     pipeline.known_values(ctx)[0])
            buf = io.BytesIO()
            wb.save(buf)
            return buf.getvalue()
        data = await run_in_threadpool(make)
        name = f"{user['department']}-{period}.xlsx"
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def upload(request: Request):
        user = user_of(request, "department")
        period = open_period(request.path_params["period"])
        length = request.headers.get("content-length")
        if length is None:
            raise HTTPException(411)
        if not length.isdigit() or int(length) > config.max_upload_bytes + 65536:
            raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {config.max_upload_bytes // 2**20} MB.")
        form = await request.form(max_files=1, max_fields=5)
        check_csrf(request, form)
        sent = form.get("tep")
        if not isinstance(sent, UploadFile):
            raise HTTPException(400, "Chưa chọn tệp biểu để gửi.")
        data = await sent.read(config.max_upload_bytes + 1)
        if len(data) > config.max_upload_bytes:
            raise HTTPException(413, f"Tệp gửi lên vượt giới hạn {config.max_upload_bytes // 2**20} MB.")
        dept = user["department"]
        result = await run_in_threadpool(accept_upload, period, dept, user["username"], data)
        return render(request, "ket-qua.html", period=str(period), **result)

    def accept_upload(period: Period, dept: str, username: str, data: bytes) -> dict:
        """Stage the upload under a name of our own, check it like `baocao check`, and only if it has
        no error move it into place atomically (the store keeps the previous file's revision)."""
        folder = config.inputs / str(period)
        staging = folder / ".tai-len" / uuid.uuid4().hex
        staging.mkdir(parents=True)
        staged = staging / L.filename(dept)  # the uploaded file's own name is never used
        try:
            staged.write_bytes(data)
            ctx = ctx_for(period)
            res = pipeline.check(ctx, override={dept: staged}, record=False)
            problems = pipeline.department_problems(res, dept)
            accepted = not any(p.is_error for p in problems)
            if accepted:
                os.replace(staged, folder / L.filename(dept))
                pipeline.check(ctx)  # records the accepted file as a new revision
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        n_err = sum(p.is_error for p in problems)
        store = S.open_store(config.db)
        try:
            S.log_upload(store, str(period), dept, username, accepted, n_err, len(problems) - n_err,
                         json.dumps([p.to_dict() for p in problems], ensure_ascii=False))
        finally:
            store.close()
        return {"accepted": accepted, "problems": problems, "errors": n_err, "warnings": len(problems) - n_err}

    # office side
    async def office_home(request: Request):
        user_of(request, "office")
        rows = [{"period": p, "phrase": period_phrase(Period.parse(p), base_ctx.settings)} for p in periods()]
        return render(request, "van-phong.html", rows=rows)

    async def open_new_period(request: Request):
        user_of(request, "office")
        form = await request.form(max_files=0, max_fields=3)
        check_csrf(request, form)
        try:
            p = Period.parse(str(form.get("ky", "")))
        except ValueError as e:
            raise HTTPException(400, str(e)) from None
        (config.inputs / str(p)).mkdir(parents=True, exist_ok=True)
        return RedirectResponse(f"/van-phong/{p}", 303)

    async def dashboard(request: Request):
        user_of(request, "office")
        period = open_period(request.path_params["period"])
        res = await run_in_threadpool(pipeline.check, ctx_for(period), None, None, False)
        last = uploads(str(period))
        rows = []
        for s in res.statuses:
            up = last.get(s["department"])
            status = s["status"]
            note = ""
            if up and not up["accepted"]:
                status, note = pipeline.HAS_ERRORS, "lần gửi gần nhất bị từ chối"
            rows.append({**s, "status": status, "note": note, "uploaded_at": up["uploaded_at"] if up else ""})
        files = available_outputs(period)
        counts = {k: sum(1 for r in rows if r["status"] == k)
                  for k in (pipeline.SUBMITTED, pipeline.MISSING, pipeline.HAS_ERRORS)}
        return render(request, "bang-theo-doi.html", period=str(period), rows=rows, files=files, counts=counts,
                      phrase=period_phrase(period, base_ctx.settings))

    def outputs_of(period: Period) -> dict:
        name = base_ctx.settings["co_quan"]["ten_tep"].format(ky=str(period))
        return {"docx": name, "pdf": Path(name).with_suffix(".pdf").name, "json": "figures.json"}

    def available_outputs(period: Period) -> dict:
        return {k: (config.out / str(period) / n).exists() for k, n in outputs_of(period).items()}

    async def dept_problems(request: Request):
        user_of(request, "office")
        period = open_period(request.path_params["period"])
        dept = request.path_params["dept"]
        if dept not in departments:
            raise HTTPException(404)
        res = await run_in_threadpool(pipeline.check, ctx_for(period), None, None, False)
        problems = pipeline.department_problems(res, dept)
        up = uploads(str(period)).get(dept)
        rejected = json.loads(up["problems"]) if up and not up["accepted"] else []
        return render(request, "loi-don-vi.html", period=str(period), department=departments[dept],
                      problems=problems, rejected=rejected, last=up)

    async def start_build(request: Request):
        user_of(request, "office")
        period = open_period(request.path_params["period"])
        form = await request.form(max_files=0, max_fields=5)
        check_csrf(request, form)
        job = uuid.uuid4().hex[:12]
        state = {"period": str(period), "done": False, "ok": False, "step": "Bắt đầu", "i": 0, "n": 0, "message": "",
                 "problems": [], "started": time.time()}
        with config.lock:
            config.jobs[job] = state
        allow = form.get("cho_phep_thieu") == "1"
        pdf = form.get("pdf") == "1"
        threading.Thread(target=run_build, args=(state, period, allow, pdf), daemon=True).start()
        return RedirectResponse(f"/van-phong/{period}/tien-do/{job}", 303)

    def run_build(state: dict, period: Period, allow: bool, pdf: bool) -> None:
        def progress(i, n, name):
            state.update(step=f"Đang đọc biểu: {name}", i=i, n=n)
        try:
            got = pipeline.build(ctx_for(period), allow_missing=allow, pdf=pdf, progress=progress)
            state.update(ok=True, step="Xong", message=f"Đã lập báo cáo ({len(got['warnings'])} cảnh báo).")
        except InputError as e:
            state.update(step="Không lập được", message=str(e), problems=[p.to_dict() for p in e.problems][:200])
        except BaocaoError as e:
            state.update(step="Không lập được", message=str(e))
        except Exception as e:  # noqa: BLE001 - shown as a message, never as a trace
            state.update(step="Không lập được", message=f"Lỗi ngoài ý muốn ({type(e).__name__}).")
        finally:
            state["done"] = True

    async def build_progress(request: Request):
        user_of(request, "office")
        period = open_period(request.path_params["period"])
        state = config.jobs.get(request.path_params["job"])
        if state is None or state["period"] != str(period):
            raise HTTPException(404, "Không tìm thấy lượt lập báo cáo này (máy chủ có thể đã khởi động lại).")
        return render(request, "tien-do.html", period=str(period), state=state, files=available_outputs(period))

    async def download(request: Request):
        user_of(request, "office")
        period = open_period(request.path_params["period"])
        kind = request.path_params["kind"]
        names = outputs_of(period)
        if kind not in names:
            raise HTTPException(404)
        path = config.out / str(period) / names[kind]
        if not path.exists():
            raise HTTPException(404, "Chưa có tệp này: hãy lập báo cáo trước.")
        media = {"docx": DOCX, "pdf": "application/pdf", "json": "application/json"}[kind]
        return FileResponse(path, media_type=media, filename=names[kind])

    # ------------------------------------------------------------------ errors
    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 401:
            return RedirectResponse("/dang-nhap", 303)
        detail = exc.detail if exc.detail and exc.detail != _default_phrase(exc.status_code) else None
        return refuse(request, exc.status_code, detail)

    async def server_error(request: Request, exc: Exception):
        return refuse(request, 500)

    routes = [
        Route("/", home),
        Route("/dang-nhap", login, methods=["GET", "POST"]),
        Route("/dang-xuat", logout, methods=["POST"]),
        Route("/don-vi", dept_home),
        Route("/don-vi/{period}/bieu-trong.xlsx", blank_workbook),
        Route("/don-vi/{period}/nop", upload, methods=["POST"]),
        Route("/van-phong", office_home),
        Route("/van-phong/mo-ky", open_new_period, methods=["POST"]),
        Route("/van-phong/{period}", dashboard),
        Route("/van-phong/{period}/don-vi/{dept}", dept_problems),
        Route("/van-phong/{period}/lap-bao-cao", start_build, methods=["POST"]),
        Route("/van-phong/{period}/tien-do/{job}", build_progress),
        Route("/van-phong/{period}/tai/{kind}", download),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=_secret(config), session_cookie="baocao_phien",
                             max_age=8 * 3600, same_site="strict", https_only=config.secure_cookies)]
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={HTTPException: http_error, Exception: server_error})


def _default_phrase(code: int) -> str:
    from http import HTTPStatus
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""
