"""Reminders by e-mail: the office sends one to each department that has not submitted, through
the province's SMTP server (``[thu_nhac]`` of cai-dat.toml, the addresses in
``[thu_nhac.dia_chi]``); each attempt is kept in ``data/thu-nhac.jsonl`` (time, period,
department, addresses, result, account), which the dashboard lists."""
from __future__ import annotations

import json
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from starlette.exceptions import HTTPException

from ..periods import period_phrase
from ..status import MISSING, of_period
from ..timefmt import utc_now_text
from .common import days_left_text, deadline_of
from .pages import OFFICE, Visit, page


def log_path(web):
    """``data/thu-nhac.jsonl``: one JSON line per reminder sent or failed."""
    return web.config.db.parent / "thu-nhac.jsonl"


def sent_reminders(web, period: str) -> list[dict]:
    """The period's reminders, newest first."""
    path = log_path(web)
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if row.get("period") == period:
            out.append(row)
    return out[::-1]


def _log(web, rows: list[dict]) -> None:
    path = log_path(web)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def addresses_of(conf: dict, department: str) -> list[str]:
    """The e-mail addresses of ``department`` in ``[thu_nhac.dia_chi]`` (comma-separated there)."""
    return [a.strip() for a in conf["dia_chi"].get(department, "").split(",") if a.strip()]


def message(conf: dict, settings, period, dept_name: str, to: list[str], deadline, days_left: str,
            site: str) -> EmailMessage:
    """The reminder e-mail to one department: the period, the deadline and days left, the site's
    address, from the ``[thu_nhac]`` sender to ``to``."""
    phrase = period_phrase(period, settings)
    msg = EmailMessage()
    msg["Subject"] = f"Nhắc gửi biểu số liệu báo cáo kinh tế - xã hội {phrase}"
    msg["From"] = conf["nguoi_gui"]
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=conf["nguoi_gui"].rpartition("@")[2] or None)
    msg.set_content(
        f"Kính gửi: {dept_name}\n\n"
        f"Đến nay Văn phòng UBND tỉnh chưa nhận được biểu số liệu {phrase} của đơn vị. "
        f"Hạn gửi biểu: ngày {deadline:%d/%m/%Y} ({days_left}).\n\n"
        f"Đề nghị đơn vị đăng nhập trang nhận biểu {site} , tải biểu trống của kỳ {period.month}/{period.year}, "
        f"điền số liệu và gửi lại ngay trên trang.\n\n"
        f"Cần hỗ trợ, xin liên hệ {settings['nop_bao_cao']['lien_he']}.\n")
    return msg


def send_all(web, period, username: str, site: str) -> list[dict]:
    """One message to each department not submitted (status «chưa nộp»); the results, logged."""
    settings = web.settings_for(period)
    conf = web.base_ctx.settings["thu_nhac"]
    ctx = web.ctx_for(period)
    rows = [r for r in of_period(ctx, web.check(ctx)) if r["status"] == MISSING]
    deadline = deadline_of(period, settings)
    results = []
    server = None
    try:
        for r in rows:
            to = addresses_of(conf, r["department"])
            row = {"time": utc_now_text(), "period": str(period), "department": r["department"], "name": r["name"],
                   "to": to, "by": username}
            if not to:
                results.append({**row, "ok": False, "result": "chưa có địa chỉ e-mail trong [thu_nhac.dia_chi]"})
                continue
            try:
                if server is None:
                    server = _connect(conf)
                server.send_message(message(conf, settings, period, r["name"], to, deadline,
                                            days_left_text(deadline), site))
                results.append({**row, "ok": True, "result": "đã gửi"})
            except (OSError, smtplib.SMTPException) as e:
                results.append({**row, "ok": False, "result": _why(e)})
                server = None
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
    if results:
        _log(web, results)
    return results


def _connect(conf: dict) -> smtplib.SMTP:
    host, port, mode = conf["may_chu"], conf["cong"], conf["bao_mat"]
    if mode == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=20)
        if mode == "starttls":
            server.starttls(context=ssl.create_default_context())
    if conf["ten_dang_nhap"]:
        server.login(conf["ten_dang_nhap"], os.environ.get(conf["bien_mat_khau"], ""))
    return server


def _why(e: Exception) -> str:
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return "máy chủ thư từ chối tên đăng nhập hoặc mật khẩu"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return "máy chủ thư không nhận địa chỉ người nhận"
    if isinstance(e, (ConnectionError, TimeoutError, OSError)) and not isinstance(e, smtplib.SMTPException):
        return f"không kết nối được máy chủ thư ({type(e).__name__})"
    return f"máy chủ thư báo lỗi ({type(e).__name__})"


@page(OFFICE, period=True, form=dict(max_files=0, max_fields=3))
def send(visit: Visit):
    """POST /van-phong/{period}/nhac-nop: e-mail every department that has not submitted,
    through the ``[thu_nhac]`` SMTP server, each outcome logged; 400 when no mail server is set."""
    web = visit.web
    conf = web.base_ctx.settings["thu_nhac"]
    if not conf["may_chu"] or not conf["nguoi_gui"]:
        raise HTTPException(400, "Chưa cài đặt máy chủ thư: hãy điền may_chu và nguoi_gui trong mục [thu_nhac] "
                                 "của cai-dat.toml (và địa chỉ từng đơn vị trong [thu_nhac.dia_chi]).")
    site = str(visit.request.url_for("login"))   # the address a department signs in at, in full
    send_all(web, visit.period, visit.user["username"], site)
    return visit.redirect("dashboard", fragment="thu-nhac", period=visit.period)
