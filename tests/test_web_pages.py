"""How the web's pages are served (issue 26 point 6): every route declares who may ask, and
the server keeps answering while a page's blocking work (the store, files, checks) runs."""
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from generator.web import common
from generator.web.common import Web
from generator.web.pages import DEPARTMENT, OFFICE, PUBLIC, SIGNED_IN

from .web_helpers import MISSING, Server, login, web_setup

# a value for each path parameter of the routes
PARAMS = {"period": "2023-08", "dept": "so-y-te", "upload": "1", "sha": "0" * 64, "job": "abc", "kind": "docx",
          "number": "1", "section": "I", "name": "so-y-te", "action": "khoa", "code": "X"}
ASSETS = {"stylesheet", "health", "chart_stylesheet"}   # public files and the health check: no session read
NOT_ALLOWED = "Bạn không có quyền xem trang này."


def routes(app):
    return [r for r in app.routes if isinstance(r, Route)]


def address(route: Route) -> str:
    return route.path_format.format(**{k: PARAMS[k] for k in route.param_convertors})


def test_every_page_declares_who_may_ask(tmp_path):
    app, _ = web_setup(tmp_path)
    undeclared = {r.name for r in routes(app) if not hasattr(r.endpoint, "role")}
    assert undeclared == ASSETS
    roles = {r.name: r.endpoint.role for r in routes(app) if hasattr(r.endpoint, "role")}
    assert roles["dashboard"] == OFFICE and roles["upload"] == DEPARTMENT and roles["login"] is PUBLIC
    assert roles["change_password"] == SIGNED_IN


@pytest.mark.parametrize("who", ["nobody", OFFICE, DEPARTMENT])
def test_each_route_refuses_who_its_declaration_does_not_name(tmp_path, who):
    app, _ = web_setup(tmp_path)
    checked = 0
    with TestClient(app) as c:
        if who != "nobody":
            assert login(c, "vanphong" if who == OFFICE else MISSING).status_code == 200
        for route in routes(app):
            role = getattr(route.endpoint, "role", PUBLIC)
            if role in (PUBLIC, who) or (role == SIGNED_IN and who != "nobody"):
                continue
            method = "GET" if "GET" in route.methods else "POST"
            r = c.request(method, address(route), follow_redirects=False)
            if who == "nobody":   # no session: to the sign-in page, nothing done
                assert r.status_code == 303 and r.headers["location"] == "/dang-nhap", (route.path, r.status_code)
            else:                 # the other role: refused before anything is read or done
                assert r.status_code == 403 and NOT_ALLOWED in r.text, (route.path, r.status_code)
            checked += 1
    assert checked >= (5 if who == OFFICE else 15)


@pytest.mark.parametrize("slow", ["session", "period"])
def test_a_page_s_blocking_work_never_holds_the_server(tmp_path, monkeypatch, slow):
    """While two dashboards wait on a slow store (the session's lookup) or on slow files (the
    period's settings and catalogue), the server answers others at once: that work runs in the
    thread pool, not on the event loop."""
    app, _ = web_setup(tmp_path)
    pause = 6
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=120) as c:
        assert login(c, "vanphong").status_code == 200
        if slow == "session":
            real_session = common.session_account
            monkeypatch.setattr(common, "session_account", lambda *a: (time.sleep(pause), real_session(*a))[1])
        else:
            real_ctx = Web.ctx_for
            monkeypatch.setattr(Web, "ctx_for", lambda self, p: (time.sleep(pause), real_ctx(self, p))[1])
        with ThreadPoolExecutor(2) as pool:
            pending = [pool.submit(c.get, "/van-phong/2023-08") for _ in range(2)]
            time.sleep(1)
            start = time.monotonic()
            health = httpx.get(server.url + "/suc-khoe", timeout=120)
            took = time.monotonic() - start
            in_flight = sum(not f.done() for f in pending)
            answers = [f.result() for f in pending]
    assert health.status_code == 200 and in_flight == 2
    assert took < pause / 2, f"the health check waited {took:.1f} s behind the slow pages"
    assert all(a.status_code == 200 and "Kỳ 2023-08" in a.text for a in answers)
