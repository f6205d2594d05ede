"""Issue 22 point 6: accounts that cannot be turned against each other. An insider with a
department's account tries, against a real uvicorn server on 127.0.0.1, to lock the office out,
to guess a password through the change-password page, and to make look-alike accounts; the
sign-in log keeps no password typed as a name and does not grow without bound."""
from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from generator import pipeline, store as storage
from generator.problems import BaocaoError
from generator.web import auth

from .conftest import ROOT
from .web_helpers import MISSING, PASSWORD, Server, csrf_of, web_setup

PERIOD = "2023-08"
INSIDER = MISSING          # a department account: so-nong-nghiep


def from_address(server: Server, address: str) -> httpx.Client:
    """A browser at another machine: the connection leaves from ``address`` (any 127.x.y.z)."""
    return httpx.Client(base_url=server.url, timeout=120, follow_redirects=True,
                        transport=httpx.HTTPTransport(local_address=address))


def sign_in_as(c: httpx.Client, name: str, password: str) -> httpx.Response:
    return c.post("/dang-nhap", data={"ten": name, "mat_khau": password, "csrf": csrf_of(c.get("/dang-nhap").text)})


def sign_out(c: httpx.Client) -> None:
    c.post("/dang-xuat", data={"csrf": csrf_of(c.get("/").text)})


def office_accounts(config, *names: str) -> None:
    cat = pipeline.open_context(PERIOD).catalogue
    for name in names:
        auth.create_account(config.db, name, PASSWORD, None, cat)


def refused_with_a_wait(c: httpx.Client, name: str) -> tuple[bool, int]:
    """Whether the next guess is refused with a wait (429), and how many guesses failed first:
    a machine slower than the first wait (two seconds) makes one more failure, which doubles
    the wait; three tries at most."""
    for tries in range(3):
        r = sign_in_as(c, name, "doan-tiep-nua")
        if r.status_code == 429:
            return "hãy đợi" in r.text, tries
        assert r.status_code == 401
    return False, 3


def test_an_insider_cannot_lock_the_office_out(tmp_path):
    """The insider fails against an office account from its own machine and signs in to its
    own account after each failure: only its own machine waits; the owner elsewhere never does,
    and the insider's own successes never wipe its machine's failures against others."""
    app, config = web_setup(tmp_path)
    office_accounts(config, "truongphong", "ketoan", "thuky", "phophong", "vanthu", "lanhdao")
    with Server(app) as server, from_address(server, "127.0.0.1") as insider, \
            from_address(server, "127.0.3.3") as owner:
        failures = 0           # the insider machine's failed guesses, against any account
        for i in range(5):
            r = sign_in_as(insider, "truongphong", f"doan-mo-{i}-sai")
            assert r.status_code == 401 and str(r.url).endswith("/dang-nhap")
            failures += 1
            assert "/don-vi" in str(sign_in_as(insider, INSIDER, PASSWORD).url)
            sign_out(insider)
        # after five, the pair (truongphong, the insider's machine) waits
        waited, extra = refused_with_a_wait(insider, "truongphong")
        assert waited
        failures += extra
        # the owner, at another machine, is not held up at all
        assert "/van-phong" in str(sign_in_as(owner, "truongphong", PASSWORD).url)
        sign_out(owner)
        # spreading over other accounts, signing in to its own between guesses: its own successes
        # never wipe its machine's failures, which waits once ten guesses failed
        others = ["ketoan", "thuky", "phophong", "vanthu", "lanhdao"] * 3
        while True:
            name = others.pop(0)
            r = sign_in_as(insider, name, "doan-mo-sai-nua")
            if r.status_code == 429:
                assert "hãy đợi" in r.text
                break
            assert r.status_code == 401
            failures += 1
            if failures < 10:
                assert "/don-vi" in str(sign_in_as(insider, INSIDER, PASSWORD).url)
                sign_out(insider)
        # ten failures make the machine wait (a machine slower than the first two-second wait
        # lets a guess or two more fail, each doubling the wait)
        assert 10 <= failures <= 12
        assert "/van-phong" in str(sign_in_as(owner, name, PASSWORD).url)


def lock(db, name: str, address: str) -> None:
    """Ten failures of ``name`` from ``address`` within the window, each after the wait it was
    given (the attacker's doubling waits, passed in the log's time rather than slept)."""
    t = time.time() - 14 * 60
    failures = 0
    while failures < 10:
        got = auth.sign_in(db, name, "sai-mat-khau", address, now=t)
        t += (got.wait + 0.5) if got.wait else 0.5
        failures += not got.wait
    assert t < time.time()


def test_a_locked_account_is_locked_on_that_machine_only_and_the_office_lifts_it(tmp_path):
    """Locked from the insider's machine, the owner still signs in elsewhere; on the locked
    machine the message's way out works: «baocao user reset» (new password) or «baocao user
    enable», and the owner signs in at once there too."""
    app, config = web_setup(tmp_path)
    office_accounts(config, "truongphong", "phophong")
    with Server(app) as server, from_address(server, "127.0.5.5") as locked_machine, \
            from_address(server, "127.0.3.4") as elsewhere:
        for name, lift, new in (("truongphong", ("reset", "--password-stdin"), "Mat-khau-moi-2026"),
                                ("phophong", ("enable",), None)):
            lock(config.db, name, "127.0.5.5")
            r = sign_in_as(locked_machine, name, PASSWORD)
            assert r.status_code == 429 and "tạm khóa trên máy này" in r.text
            assert "baocao user enable" in r.text and "baocao user reset" in r.text
            r = sign_in_as(elsewhere, name, PASSWORD)
            assert "/van-phong" in str(r.url), r.text
            sign_out(elsewhere)
            proc = subprocess.run([sys.executable, "-m", "generator", "user", lift[0], name, *lift[1:], "--db",
                                   str(config.db)], input=(new or "") + "\n", capture_output=True, text=True, cwd=ROOT)
            assert proc.returncode == 0, proc.stderr
            r = sign_in_as(locked_machine, name, new or PASSWORD)
            assert r.status_code == 200 and "/van-phong" in str(r.url), r.text
            sign_out(locked_machine)


def test_the_change_password_page_is_throttled_and_logged(tmp_path):
    """A stolen session cannot guess the current password: five wrong tries, then it waits,
    even with the right one; every try is in the sign-in log as a change-password attempt."""
    app, config = web_setup(tmp_path)
    with Server(app) as server, from_address(server, "127.0.0.1") as c:
        assert "/don-vi" in str(sign_in_as(c, INSIDER, PASSWORD).url)
        def change(current: str) -> httpx.Response:
            token = csrf_of(c.get("/mat-khau").text)
            return c.post("/mat-khau", data={"csrf": token, "cu": current, "moi": "Mat-khau-moi-2026",
                                             "nhap_lai": "Mat-khau-moi-2026"})
        codes = [change(f"doan-{i}-sai").status_code for i in range(5)]
        assert codes == [400] * 5
        r = change(PASSWORD)                 # even the right current password waits now
        assert r.status_code == 429 and "hãy đợi" in r.text
        codes = [change(f"doan-tiep-{i}").status_code for i in range(2)]
    assert auth.authenticate(config.db, INSIDER, PASSWORD) is not None        # the password did not change
    with storage.open_store(config.db) as store:
        rows = [r for r in storage.web.signins(store, 100) if r[4] == "doi-mat-khau"]
    assert all(r[1] == INSIDER for r in rows)
    failed = [r for r in rows if r[3] == "failed"]
    throttled = [r for r in rows if r[3] == "throttled"]
    # every try on record: five failures, then the refused ones (a slow machine may let one
    # more through as a failure once the first two-second wait is over)
    assert len(failed) == 5 + codes.count(400) and sum(r[5] for r in throttled) == 1 + codes.count(429)
    if codes == [429, 429]:
        assert len(throttled) == 1 and throttled[0][5] == 3                  # three refused, one row


def test_usernames_are_plain_and_look_alikes_cannot_coexist(tmp_path):
    app, config = web_setup(tmp_path)
    cat = pipeline.open_context(PERIOD).catalogue
    assert auth.create_account(config.db, "Truong-Phong", PASSWORD, None, cat)["username"] == "truong-phong"
    for look_alike in ("TRUONG-PHONG", "ｔｒｕｏｎｇ-ｐｈｏｎｇ", "truong-phong "):
        with pytest.raises(BaocaoError, match="đã có"):
            auth.create_account(config.db, look_alike, PASSWORD, None, cat)
    # Cyrillic «о», Vietnamese letters, other separators, a leading hyphen, too long, empty
    for bad in ("truong_phong", "truong.phong", "trưởng-phòng", "truоng-phong", "-tp", "a" * 65, ""):
        with pytest.raises(BaocaoError, match="chữ thường không dấu"):
            auth.create_account(config.db, bad, PASSWORD, None, cat)
    # an account made before the rule («Ke_Toan») is found by its folded name and cannot be shadowed
    with storage.open_store(config.db) as store:
        store.execute("INSERT INTO account (username, role, department, password_hash) VALUES (?,?,?,?)",
                      ("Ke_Toan", "office", None, auth.hash_password(PASSWORD)))
    with pytest.raises(BaocaoError, match="chữ thường không dấu"):
        auth.create_account(config.db, "ke_toan", PASSWORD, None, cat)
    with Server(app) as server, from_address(server, "127.0.0.1") as c:
        assert "/van-phong" in str(sign_in_as(c, "Truong-Phong", PASSWORD).url)
        sign_out(c)
        assert "/van-phong" in str(sign_in_as(c, "ＴＲＵＯＮＧ-ＰＨＯＮＧ", PASSWORD).url)
        sign_out(c)
        assert "/van-phong" in str(sign_in_as(c, "ke_toan", PASSWORD).url)
        # on the office's page: a name typed in capitals is made (and shown) in its stored form;
        # a look-alike of it is refused
        made = c.post("/van-phong/tai-khoan/tao", data={"ten": "Thu-Ky-2", "don_vi": "van-phong",
                                                         "csrf": csrf_of(c.get("/van-phong/tai-khoan").text)})
        assert made.status_code == 200 and 'id="tk-thu-ky-2"' in made.text and "Thu-Ky-2" not in made.text
        again = c.post("/van-phong/tai-khoan/tao", data={"ten": "THU-KY-2", "don_vi": "van-phong",
                                                          "csrf": csrf_of(c.get("/van-phong/tai-khoan").text)})
        assert again.status_code == 400 and "đã có" in again.text
    with storage.open_store(config.db) as store:
        assert sorted(u for u in storage.web.usernames(store) if "thu-ky" in u.casefold()) == ["thu-ky-2"]


def test_a_password_typed_as_the_name_is_never_kept_and_the_log_is_pruned_and_aggregated(tmp_path):
    app, config = web_setup(tmp_path)
    secret = "Bi-mat-cua-Truong-phong-42"
    old = time.time() - 400 * 86400
    auth.sign_in(config.db, INSIDER, "sai-tu-lau", "10.9.9.9", now=old)
    attempts = 30
    with Server(app) as server, from_address(server, "127.0.0.1") as c:
        for _ in range(3):            # the password typed into the name field, the password field empty
            assert sign_in_as(c, secret, "").status_code == 401
        for _ in range(attempts):     # hammering one account: throttled after five, the rest aggregated
            assert sign_in_as(c, "vanphong", "sai-roi-sai-nua").status_code in (401, 429)
    raw = config.db.read_bytes() + b"".join(p.read_bytes() for p in config.db.parent.glob("*.sqlite-*"))
    assert secret.encode() not in raw and secret.lower().encode() not in raw
    with storage.open_store(config.db) as store:
        rows = storage.web.signins(store, 1000)
    assert rows and not any(r[0] < time.time() - 200 * 86400 for r in rows)          # pruned by age
    assert not any(secret.lower() in str(r[1]).lower() for r in rows)
    # the three tries of the same unknown name are one keyed hash, never the text
    unknown = {r[1] for r in rows if r[1].startswith("?")}
    assert len(unknown) == 1 and sum(1 for r in rows if r[1] in unknown) == 3
    hammer = [r for r in reversed(rows) if r[1] == "vanphong"]          # oldest first
    failed = [r for r in hammer if r[3] == "failed"]
    throttled = [r for r in hammer if r[3] == "throttled"]
    assert len(failed) + sum(r[5] for r in throttled) == attempts          # every attempt counted
    assert len(failed) >= 5 and throttled and max(r[5] for r in throttled) > 1
    # throttled attempts in a row are one row
    assert not any(a[3] == b[3] == "throttled" for a, b in zip(hammer, hammer[1:]))


def test_an_address_spraying_names_while_it_waits_adds_one_row(tmp_path):
    """Ten failures from one machine against as many names make it wait; the names it then
    sprays (accounts or not) are refused unchecked and kept as one row with their count."""
    app, config = web_setup(tmp_path)
    t = time.time() - 60
    for i in range(10):
        assert auth.sign_in(config.db, f"khong-co-{i}", "sai", "10.7.7.7", now=t + i).wait == 0
    with storage.open_store(config.db) as store:
        before = len(storage.web.signins(store, 1000))
    names = [f"ten-{i}" for i in range(20)] + ["vanphong", INSIDER]
    for name in names:
        got = auth.sign_in(config.db, name, PASSWORD, "10.7.7.7", now=t + 10.5)
        assert got.account is None and got.wait > 0
    with storage.open_store(config.db) as store:
        rows = storage.web.signins(store, 1000)
    assert len(rows) == before + 1
    assert rows[0][3] == "throttled" and rows[0][5] == len(names)
    # another machine is not held up, and its attempts are its own rows
    assert auth.sign_in(config.db, "vanphong", PASSWORD, "10.8.8.8", now=t + 11).account is not None
