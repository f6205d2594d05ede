"""Sign-in and sign-out: the pages every user sees before their own."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse

from .auth import authenticate
from .common import check_csrf, web_of


async def home(request: Request):
    user = request.session.get("user")
    if not user:
        return RedirectResponse("/dang-nhap", 303)
    return RedirectResponse("/van-phong" if user["role"] == "office" else "/don-vi", 303)


async def login(request: Request):
    web = web_of(request)
    if request.method == "GET":
        return web.render(request, "dang-nhap.html")
    form = await request.form(max_files=0, max_fields=5)
    check_csrf(request, form)
    account = await run_in_threadpool(authenticate, web.config.db, str(form.get("ten", "")),
                                      str(form.get("mat_khau", "")))
    if account is None:
        return web.render(request, "dang-nhap.html", status_code=401, error="Tên đăng nhập hoặc mật khẩu không đúng.")
    request.session.clear()
    request.session["user"] = {"username": account["username"], "role": account["role"],
                               "department": account["department"]}
    return RedirectResponse("/", 303)


async def logout(request: Request):
    form = await request.form(max_files=0, max_fields=2)
    check_csrf(request, form)
    request.session.clear()
    return RedirectResponse("/dang-nhap", 303)
