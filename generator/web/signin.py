"""Sign-in, sign-out and changing one's own password: the pages every user sees."""
from __future__ import annotations

from starlette.requests import Request

from .. import store as storage
from ..problems import BaocaoError
from .auth import end_session, reset_account, sign_in, start_session
from .pages import PUBLIC, SIGNED_IN, Visit, page


@page(PUBLIC)
def home(visit: Visit):
    """GET /: to the sign-in page, or to the signed-in account's home (office or department)."""
    user = visit.user
    if not user:
        return visit.redirect("login")
    return visit.redirect("office_home" if user["role"] == "office" else "department_home")


def client_address(request: Request) -> str:
    """The client's IP address as the server sees it (``?`` when unknown)."""
    return request.client.host if request.client else "?"


def no_account(db) -> bool:
    """True while the store holds no account at all (the sign-in page says how to make the first)."""
    with storage.open_store(db) as store:
        return storage.web.count_accounts(store) == 0


@page(PUBLIC, form=dict(max_files=0, max_fields=5))
def login(visit: Visit):
    """GET/POST /dang-nhap: the sign-in form; a POST (throttled per account and address) starts
    a session or says why not."""
    web, form, request = visit.web, visit.form, visit.request
    if form is None:
        return visit.render("dang-nhap.html", no_account=no_account(web.config.db))
    got = sign_in(web.config.db, str(form.get("ten", ""))[:100], str(form.get("mat_khau", ""))[:1000],
                  client_address(request))
    if got.account is None:
        return visit.render("dang-nhap.html", status_code=429 if got.wait else 401, error=got.message)
    token = start_session(web.config.db, got.account["username"])
    request.session.clear()
    request.session["sid"] = token
    return visit.redirect("home")


@page(PUBLIC, form=dict(max_files=0, max_fields=2))
def logout(visit: Visit):
    """POST /dang-xuat: end the session and go to the sign-in page."""
    end_session(visit.web.config.db, visit.request.session.get("sid", ""))
    visit.request.session.clear()
    return visit.redirect("login")


@page(SIGNED_IN, form=dict(max_files=0, max_fields=5))
def change_password(visit: Visit):
    """GET/POST /mat-khau: change one's own password (the current one, a new one of at least 10
    characters, twice); the account's sessions end."""
    web, user, form = visit.web, visit.user, visit.form
    if form is None:
        return visit.render("mat-khau.html", done=visit.request.query_params.get("xong") == "1")
    old, new, again = (str(form.get(k, ""))[:1000] for k in ("cu", "moi", "nhap_lai"))
    error, status = None, 400
    # the current password is checked like a sign-in: throttled per (account, address) and logged
    got = sign_in(web.config.db, user["username"], old, client_address(visit.request), None, "doi-mat-khau")
    if got.account is None:
        error = got.message if got.wait else "Mật khẩu hiện tại không đúng."
        status = 429 if got.wait else 400
    elif new != again:
        error = "Hai lần nhập mật khẩu mới không giống nhau."
    else:
        try:
            reset_account(web.config.db, user["username"], web.base_ctx.catalogue.full, password=new)
        except BaocaoError as e:
            error = f"{e}."
    if error:
        return visit.render("mat-khau.html", status_code=status, error=error)
    # every session of the account ended with the reset; this browser gets a new one
    visit.request.session["sid"] = start_session(web.config.db, user["username"])
    return visit.redirect("change_password", query="xong=1")
