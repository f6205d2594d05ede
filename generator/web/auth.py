"""Accounts: scrypt password hashes (stdlib), one account per department or for the office."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=32)
    return "scrypt${}${}${}${}${}".format(N, R, P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
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


def create_account(db, username: str, password: str, department: str | None, catalogue) -> dict:
    """Create or reset an account. ``department`` None makes an office account."""
    from .. import store as S
    from ..problems import BaocaoError
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise BaocaoError("Tên đăng nhập chỉ gồm chữ, số, dấu gạch ngang, gạch dưới, dấu chấm")
    if len(password) < 8:
        raise BaocaoError("Mật khẩu cần ít nhất 8 ký tự")
    if department is not None and department not in catalogue.departments:
        raise BaocaoError(f"Đơn vị «{department}» không có trong danh mục don-vi.csv")
    store = S.open_store(db)
    try:
        S.save_account(store, username, "office" if department is None else "department", department,
                       hash_password(password))
        return S.get_account(store, username)
    finally:
        store.close()


def authenticate(db, username: str, password: str) -> dict | None:
    from .. import store as S
    store = S.open_store(db)
    try:
        account = S.get_account(store, username)
    finally:
        store.close()
    if account is None:
        verify_password(password, DUMMY)  # same work either way: no timing hint that the name exists
        return None
    return account if verify_password(password, account["password_hash"]) else None
