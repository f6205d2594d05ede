"""Sign-in, sign-out and changing one's own password: the pages every user sees."""
from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse

from .. import store as storage
from ..problems import BaocaoError
from .auth import authenticate, end_session, reset_account, sign_in, start_session
from .common import base_of, check_csrf, current_user, user_of, web_of


async def home(request: Request):
    user = current_user(request)
    if not user:
        return RedirectResponse(base_of(request) + "/dang-nhap", 303)
    return RedirectResponse(base_of(request) + ("/van-phong" if user["role"] == "office" else "/don-vi"), 303)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def no_account(db) -> bool:
    """True while the store holds no account at all (the sign-in page says how to make the first)."""
    with storage.open_store(db) as store:
        return storage.web.count_accounts(store) == 0


async def login(request: Request):
    web = web_of(request)
    if request.method == "GET":
        return web.render(request, "dang-nhap.html", no_account=await run_in_threadpool(no_account, web.config.db))
    form = await request.form(max_files=0, max_fields=5)
    check_csrf(request, form)
    got = await run_in_threadpool(sign_in, web.config.db, str(form.get("ten", ""))[:100],
                                  str(form.get("mat_khau", ""))[:1000], client_address(request))
    if got.account is None:
        return web.render(request, "dang-nhap.html", status_code=429 if got.wait else 401, error=got.message)
    token = await run_in_threadpool(start_session, web.config.db, got.account["username"])
    request.session.clear()
    request.session["sid"] = token
    return RedirectResponse(base_of(request) + "/", 303)


async def logout(request: Request):
    web = web_of(request)
    form = await request.form(max_files=0, max_fields=2)
    check_csrf(request, form)
    await run_in_threadpool(end_session, web.config.db, request.session.get("sid", ""))
    request.session.clear()
    return RedirectResponse(base_of(request) + "/dang-nhap", 303)


async def change_password(request: Request):
    web = web_of(request)
    user = user_of(request)
    if request.method == "GET":
        return web.render(request, "mat-khau.html", done=request.query_params.get("xong") == "1")
    form = await request.form(max_files=0, max_fields=5)
    check_csrf(request, form)
    old, new, again = (str(form.get(k, ""))[:1000] for k in ("cu", "moi", "nhap_lai"))
    error = None
    if await run_in_threadpool(authenticate, web.config.db, user["username"], old) is None:
        error = "Mật khẩu hiện tại không đúng."
    elif new != again:
        error = "Hai lần nhập mật khẩu mới không giống nhau."
    else:
        try:
            cat = web.base_ctx.catalogue.full
            await run_in_threadpool(lambda: reset_account(web.config.db, user["username"], cat, password=new))
        except BaocaoError as e:
            error = f"{e}."
    if error:
        return web.render(request, "mat-khau.html", status_code=400, error=error)
    # every session of the account ended with the reset; this browser gets a new one
    request.session["sid"] = await run_in_threadpool(start_session, web.config.db, user["username"])
    return RedirectResponse(base_of(request) + "/mat-khau?xong=1", 303)
