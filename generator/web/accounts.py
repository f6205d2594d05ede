"""The office's «Tài khoản» page: every account with its last sign-in; creating department
and office accounts, resetting a password (a new one made here and shown once), disabling and
enabling. The same rules as ``baocao user`` (``auth.create_account`` / ``reset_account``)."""
from __future__ import annotations

import secrets

from starlette.exceptions import HTTPException

from .. import store as storage
from ..problems import BaocaoError
from .auth import create_account, password_problem, reset_account
from .pages import OFFICE, Visit, page

# no 0/O, 1/l/I: a password read out over the phone or copied by hand
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_password() -> str:
    """A password for a new or reset account, shown once: three groups of four, «k7mf-2qxe-…»."""
    while True:
        got = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))
        if password_problem(got) is None:
            return got


def _listing(web) -> list[dict]:
    with storage.open_store(web.config.db) as store:
        accounts = storage.web.list_accounts(store)
        last = storage.web.last_signins(store)
    rows = []
    for a in accounts:
        if a["role"] == "office":
            who = "Văn phòng"
        elif a["department"] in web.departments:
            who = web.departments[a["department"]].name
        else:
            who = f"{a['department']} (không còn trong danh mục)"
        rows.append({**a, "who": who, "last": last.get(a["username"])})
    return rows


def _page(visit: Visit, status_code: int = 200, **values):
    web = visit.web
    rows = _listing(web)
    depts = sorted(((code, d.name) for code, d in web.base_ctx.catalogue.departments.items()), key=lambda x: x[1])
    return visit.render("tai-khoan.html", status_code=status_code, rows=rows, choices=depts, **values)


@page(OFFICE)
def accounts_page(visit: Visit):
    """GET /van-phong/tai-khoan: every account, its last sign-in and the forms to make, reset,
    disable or enable one."""
    return _page(visit)


@page(OFFICE, form=dict(max_files=0, max_fields=6))
def create(visit: Visit):
    """POST /van-phong/tai-khoan/tao: a new department or office account with a generated
    password shown once; a taken name or a bad department is said on the page."""
    web, form = visit.web, visit.form
    name = str(form.get("ten", "")).strip()[:100]
    who = str(form.get("don_vi", ""))
    department = None if who == "van-phong" else who
    password = new_password()
    try:
        account = create_account(web.config.db, name, password, department, web.base_ctx.catalogue.full)
    except BaocaoError as e:
        return _page(visit, 400, error=f"{e}.", typed=name)
    # the name as stored (lower case, NFKC), the one to sign in with
    return _page(visit, shown={"username": account["username"], "password": password, "new": True})


@page(OFFICE, form=dict(max_files=0, max_fields=3))
def change(visit: Visit):
    """POST /van-phong/tai-khoan/{name}/{action}: reset a password (``dat-lai``), disable
    (``khoa``) or enable (``mo-khoa``) an account; 404 for another action."""
    web = visit.web
    action = visit.request.path_params["action"]
    if action not in ("dat-lai", "khoa", "mo-khoa"):
        raise HTTPException(404)
    name = visit.request.path_params["name"]
    if action == "khoa" and name == visit.user["username"]:
        return _page(visit, 400, error="Không tự khóa tài khoản đang dùng được (văn phòng sẽ không còn ai đăng "
                                       "nhập): hãy nhờ một tài khoản văn phòng khác.")
    cat = web.base_ctx.catalogue.full
    password = new_password() if action == "dat-lai" else None
    try:
        reset_account(web.config.db, name, cat, password=password,
                      disabled={"khoa": True, "mo-khoa": False}.get(action))
    except BaocaoError as e:
        return _page(visit, 400, error=f"{e}.")
    if password:
        return _page(visit, shown={"username": name, "password": password})
    done = f"Đã khóa tài khoản {name}; các phiên đăng nhập của tài khoản đã kết thúc." if action == "khoa" \
        else f"Đã mở khóa tài khoản {name}."
    return _page(visit, done=done)
