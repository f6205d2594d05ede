"""How a page is served, declared on its handler:

    @page(OFFICE, period=True, form=dict(max_files=0, max_fields=5))
    def start_build(visit: Visit) -> Response: ...

* Who may ask (``role``): ``PUBLIC``, ``SIGNED_IN`` (any account), ``DEPARTMENT`` or ``OFFICE``.
  Checked before the handler runs: no session sends the browser to the sign-in page (401), another
  role is refused (403).
* What the page is about: ``period=True`` opens the path's ``{period}`` (404 in Vietnamese when it
  is not a period or not opened); ``department=True`` the path's ``{dept}`` (an office page about
  one department: 404 when the catalogue has no such department). A department's own pages get
  its department from the account.
* The form a POST sends (``form``: the limits of ``Request.form``): read, and its anti-forgery
  token checked, before the handler runs.
* Never on the event loop: the session's lookup (SQLite) and opening the period run in Starlette's
  thread pool, and so does a synchronous handler (``def``), whole. A handler that must read the
  request's body itself (an upload's size is checked before its body is read) is ``async def``
  and puts its blocking work in ``run_in_threadpool``.

Links and redirects name their route (``visit.path_for("dashboard", period=...)``,
``request.url_for``) instead of building the address by hand; the path keeps the sub-path the
server is under (``--root-path``) and leaves the host to the browser.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..periods import Period
from .common import Web, check_csrf, current_user, path_for, user_of, web_of

PUBLIC = None
SIGNED_IN = "*"
DEPARTMENT = "department"
OFFICE = "office"


@dataclass
class Visit:
    """One request as its handler sees it, after the route's checks."""
    request: Request
    web: Web
    user: dict | None
    period: Period | None = None
    department: str | None = None     # the department the page is about (the account's own, or the path's)
    form: FormData | None = None

    def render(self, name: str, status_code: int = 200, **values) -> Response:
        """The page template ``name`` rendered for this request (``Web.render``)."""
        return self.web.render(self.request, name, status_code, **values)

    def path_for(self, name: str, /, **params) -> str:
        """The path of the named route (under the server's sub-path), e.g. «/van-phong/2023-08»."""
        return path_for(self.request, name, **params)

    def redirect(self, name: str, /, query: str = "", fragment: str = "", **params) -> RedirectResponse:
        """Post/Redirect/Get: a 303 to the named route."""
        return RedirectResponse(self.path_for(name, **params) + (f"?{query}" if query else "")
                                + (f"#{fragment}" if fragment else ""), 303)


def page(role: str | None, *, period: bool = False, department: bool = False, form: dict | None = None):
    """The route's declaration (see the module's text); the handler takes one ``Visit``."""
    def wrap(handler):
        in_pool = not inspect.iscoroutinefunction(handler)

        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            visit = await run_in_threadpool(_prologue, request, role, period, department)
            if form is not None and request.method == "POST":
                visit.form = await request.form(**form)
                check_csrf(request, visit.form)
            if in_pool:
                return await run_in_threadpool(handler, visit)
            return await handler(visit)
        endpoint.role = role
        return endpoint
    return wrap


def _prologue(request: Request, role: str | None, period: bool, department: bool) -> Visit:
    web = web_of(request)
    if role is PUBLIC:
        user = current_user(request)
    else:
        user = user_of(request, None if role == SIGNED_IN else role)
    visit = Visit(request, web, user)
    if period:
        visit.period = web.open_period(request.path_params["period"])
    if department:
        visit.department = request.path_params["dept"]
        if visit.department not in web.departments:
            raise HTTPException(404)
    elif user is not None and user["role"] == DEPARTMENT:
        visit.department = user["department"]
    return visit
