"""Accounts, sign-in and sessions for the web intake.

* Passwords: scrypt (stdlib ``hashlib.scrypt``), at least ``MIN_PASSWORD`` characters and not
  one of the common passwords below nor the account's own name.
* Sign-in throttling, read from the sign-in log in the store (as django-axes keeps its
  attempts in the database, so it holds across restarts and processes, and locks by the
  combination of user name and address): failures are counted per (account, address), so an
  insider failing against another account from their own machine throttles that machine
  alone; after ``FREE_FAILURES`` failures the pair waits a delay that doubles with each
  further failure, after ``LOCK_FAILURES`` within ``WINDOW`` the pair refuses even the right
  password for ``LOCK_SECONDS``. An address is also slowed after ``ADDRESS_FREE_FAILURES``
  failures against any accounts; a failure followed by that same account's success from that
  address was an honest mistake, and one account's success never wipes the failures against
  another. ``baocao user reset``/``enable`` lift every lock of the account (failures before
  ``unlocked_at`` no longer count). The change-password page goes through the same throttle
  and log. A name that is no account is logged as a keyed hash: a password typed into the
  name field never reaches the log in clear. Throttled attempts in a row are one row with a
  count; the log keeps ``SIGNIN_KEEP_DAYS`` days.
* Account names are lower-case ASCII (``[a-z0-9-]``), compared after NFKC and case folding,
  so look-alike names cannot coexist and «VanPhong» signs in as «vanphong».
* Sessions are server-side: the cookie carries a random token, the store keeps its hash.
  «Đăng xuất», a password reset, a role or department change and disabling the account end
  them at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .. import store as storage
from ..problems import UsageError

N, R, P = 2**14, 8, 1
MIN_PASSWORD = 10
FREE_FAILURES = 5          # failures before any delay
LOCK_FAILURES = 10         # failures within WINDOW that lock the account
WINDOW = 15 * 60
LOCK_SECONDS = 15 * 60
MAX_DELAY = 5 * 60
ADDRESS_FREE_FAILURES = 10  # an office behind one address (NAT) makes more honest mistakes
IDLE_SECONDS = 8 * 3600
COMMON_PASSWORDS = {
    "1234567890", "0123456789", "12345678910", "123456789a", "1234567890a", "a123456789", "1111111111",
    "0000000000", "abc1234567", "abcd123456", "qwertyuiop", "qwerty1234", "password12", "password123",
    "password1234", "matkhau123", "matkhau1234", "matkhau@123", "admin12345", "admin123456", "iloveyou12",
    "vietnam123", "vietnam1234", "hanoi12345", "langson123", "baocao1234", "baocao2023", "baocao2024",
    "baocao2025", "baocao2026", "ubnd123456", "123456789@", "asdfghjkl1", "zxcvbnm123",
}


def hash_password(password: str) -> str:
    """The stored form of ``password``: ``scrypt$N$r$p$<salt>$<digest>`` (base64), a fresh
    16-byte salt each time."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return "scrypt${}${}${}${}${}".format(N, R, P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the stored form (compared in constant time); False for a
    wrong password or a stored form that is not ours."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(digest)))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


DUMMY = hash_password(secrets.token_urlsafe(16))  # verified against when the user does not exist


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is refused (Vietnamese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "Mật khẩu quá phổ biến hoặc quá đơn giản, dễ bị đoán: hãy chọn mật khẩu khác"
    if username and username.lower() in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập"
    return None


NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def canonical(username: str) -> str:
    """A name as compared: NFKC, case-folded, NFKC again (folding can undo it), trimmed
    («ＶａｎＰｈｏｎｇ» → «vanphong»)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold()).strip()


def _check_name(username: str) -> str:
    """The canonical form of a new account's name, or a UsageError saying what a name may hold."""
    name = canonical(username)
    if not NAME.fullmatch(name):
        raise UsageError("Tên đăng nhập chỉ gồm chữ thường không dấu (a-z), số và dấu gạch ngang, tối đa 64 ký tự, "
                         "không bắt đầu hay kết thúc bằng gạch ngang (ví dụ so-cong-thuong)")
    return name


def _role(department: str | None, catalogue) -> str:
    if department is not None and department not in catalogue.departments:
        raise UsageError(f"Đơn vị «{department}» không có trong danh mục don-vi.csv")
    return "office" if department is None else "department"


def create_account(db, username: str, password: str, department: str | None, catalogue) -> dict:
    """A new account (returned as a dict); ``department`` None makes an office account.
    ``UsageError`` (Vietnamese) for a bad name, a weak password or a name already taken
    (``reset_account`` changes one)."""
    username = _check_name(username)
    why = password_problem(password, username)
    if why:
        raise UsageError(why)
    role = _role(department, catalogue)
    with storage.open_store(db) as store:
        taken = next((u for u in storage.web.usernames(store) if canonical(u) == username), None)
        if taken is not None and taken != username:
            raise UsageError(f"Tên «{username}» trùng với tài khoản đã có «{taken}» (chữ hoa, chữ thường hay ký tự "
                             f"trông giống nhau được coi là một): hãy chọn tên khác")
        if not storage.web.add_account(store, username, role, department, hash_password(password)):
            raise UsageError(f"Tài khoản «{username}» đã có; để đặt lại mật khẩu: nút «Đặt lại mật khẩu» ở trang "
                             f"Tài khoản của văn phòng, hoặc lệnh «baocao user reset {username}»")
        return storage.web.get_account(store, username)


def reset_account(db, username: str, catalogue, password: str | None = None, department: str | None = None,
                  office: bool = False, disabled: bool | None = None) -> dict:
    """Reset a password, change the role or department, disable or enable an account; every
    one of its sessions ends. Returns the account (dict); ``UsageError`` for a weak password,
    an unknown department or no such account."""
    changes: dict = {}
    if password is not None:
        why = password_problem(password, username)
        if why:
            raise UsageError(why)
        changes["password_hash"] = hash_password(password)
    if department is not None or office:
        changes["role"] = _role(None if office else department, catalogue)
        changes["department"] = None if office else department
    if disabled is not None:
        changes["disabled"] = int(disabled)
    if password is not None or disabled is False:
        changes["unlocked_at"] = time.time()   # failures before a reset or an «enable» no longer count
    with storage.open_store(db) as store:
        username = _stored_name(store, username)
        if not storage.web.update_account(store, username, **changes):
            raise UsageError(f"Không có tài khoản «{username}»")
        return storage.web.get_account(store, username)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: the ``account`` (dict) when it succeeded, else how many
    ``wait`` seconds before the next try and whether the account is ``locked`` for a while."""
    account: dict | None = None
    wait: float = 0              # seconds to wait before trying again
    locked: bool = False

    @property
    def message(self) -> str:
        """Why the sign-in failed, in Vietnamese (locked, wait, or a wrong name or password)."""
        if self.locked:
            return (f"Tài khoản tạm khóa trên máy này vì nhập sai mật khẩu quá nhiều lần: hãy thử lại sau "
                    f"{_minutes(self.wait)}, hoặc nhờ Văn phòng mở khóa («baocao user enable TÊN» hoặc đặt lại mật "
                    f"khẩu bằng «baocao user reset TÊN»).")
        if self.wait:
            return f"Đăng nhập sai nhiều lần: hãy đợi {_minutes(self.wait)} rồi thử lại."
        return "Tên đăng nhập hoặc mật khẩu không đúng."


def _minutes(seconds: float) -> str:
    seconds = int(seconds + 0.999)
    if seconds < 60:
        return f"{seconds} giây"
    return f"{(seconds + 59) // 60} phút"


def _wait(failures: list[float], now: float, free: int, lock: int | None) -> tuple[float, bool]:
    recent = [t for t in failures if t > now - WINDOW]
    if lock is not None and len(recent) >= lock:
        return max(recent[-1] + LOCK_SECONDS - now, 0), True
    if len(failures) >= free:
        delay = min(2 ** (len(failures) - free + 1), MAX_DELAY)   # 2, 4, 8 … seconds
        return max(failures[-1] + delay - now, 0), False
    return 0, False


def _stored_name(store, typed: str) -> str:
    """The account's name as stored for a name typed (its canonical form; an older account
    whose name predates the rule matches exactly or after folding), else the canonical form."""
    name = canonical(typed)
    if storage.web.get_account(store, name) is not None:
        return name
    return next((u for u in storage.web.usernames(store) if canonical(u) == name), name)


def _log_key(db) -> bytes:
    """The key of the names kept as hashes: the server's secret next to the store (made, owner
    only, when the store is used before the server ever ran)."""
    path = Path(db).parent / "web-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return path.read_bytes().strip()


def _pseudonym(db, name: str) -> str:
    """What the log keeps of a name that is no account: a hash keyed by the server's secret
    (enough to throttle repeated guesses of the same name, never the text typed)."""
    return "?" + hmac.new(_log_key(db), name.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def sign_in(db, username: str, password: str, address: str, now: float | None = None,
            kind: str = "dang-nhap") -> SignIn:
    """Check an attempt against the throttle, then the password; every attempt is logged
    (``kind``: «dang-nhap», or «doi-mat-khau» for the current password on the change page)."""
    now = time.time() if now is None else now
    with storage.open_store(db) as store:
        name = _stored_name(store, username)
        account = storage.web.get_account(store, name)
        logged = name if account is not None else _pseudonym(db, name)
        since = now - max(WINDOW, LOCK_SECONDS) - MAX_DELAY
        pair_since = max(since, account["unlocked_at"] or 0) if account else since
        wait_pair, locked = _wait(storage.web.signin_failures(store, pair_since, username=logged, address=address), now,
                                  FREE_FAILURES, LOCK_FAILURES)
        wait_addr, _ = _wait(storage.web.signin_failures(store, since, address=address), now, ADDRESS_FREE_FAILURES,
                             None)
        wait = max(wait_pair, wait_addr)
        if wait > 0:
            storage.web.log_signin(store, now, logged, address, "throttled", kind, aggregate_within=WINDOW)
            return SignIn(None, wait, locked and wait_pair >= wait_addr)
        ok = verify_password(password, account["password_hash"] if account else DUMMY) and account is not None \
            and not account["disabled"]
        storage.web.log_signin(store, now, logged, address, "ok" if ok else "failed", kind)
        return SignIn(account if ok else None)


def authenticate(db, username: str, password: str) -> dict | None:
    """The account when the password is right (no throttling, no log: for scripts and tests)."""
    with storage.open_store(db) as store:
        account = storage.web.get_account(store, _stored_name(store, username))
    if account is None:
        verify_password(password, DUMMY)  # same work either way: no timing hint that the name exists
        return None
    return account if verify_password(password, account["password_hash"]) and not account["disabled"] else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db, username: str) -> str:
    """A new session for ``username`` in the store ``db``: returns its random token (only its
    SHA-256 is stored)."""
    token = secrets.token_urlsafe(32)
    with storage.open_store(db) as store:
        storage.web.create_session(store, _token_hash(token), username, time.time())
    return token


def session_account(db, token: str) -> dict | None:
    """The account (dict) of the session whose token is ``token``; None when there is none, it
    was idle longer than ``IDLE_SECONDS`` or the account is disabled."""
    if not token:
        return None
    with storage.open_store(db) as store:
        return storage.web.session_account(store, _token_hash(token), time.time(), IDLE_SECONDS)


def end_session(db, token: str) -> None:
    """Forget the session of ``token`` (nothing for an empty token)."""
    if not token:
        return
    with storage.open_store(db) as store:
        storage.web.end_session(store, _token_hash(token))
