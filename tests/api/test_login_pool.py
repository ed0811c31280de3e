"""Argon2 off the request threads: logins waiting for their password check hold none of the threads other
requests need, and when the password pool is full a login is refused at once (503 + Retry-After).

The hash is made to wait on an event (a stand-in for a slow Argon2 under load), so the tests see where
a login waits without timing anything; FastAPI's request pool is cut to three threads, so three
logins holding a request thread each would stop every other request."""

import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout

import anyio.to_thread
from fastapi.testclient import TestClient

from tests.api.accounts_support import PASSWORD, TOKEN_URL, api_token, app_with, bearer, fresh_user, login_csrf

REQUEST_THREADS = 3
# Generous: an answer that does not depend on the stalled logins comes in milliseconds; one that does
# never comes while they are stalled.
ANSWER_WITHIN = 30


class StalledHash:
    """Wraps the real password check so that each call waits for `release` first."""

    def __init__(self, real) -> None:
        self.real, self.release, self.started = real, threading.Event(), threading.Semaphore(0)

    def __call__(self, hash_: str, password: str) -> bool:
        self.started.release()
        self.release.wait(60)
        return self.real(hash_, password)


def _few_request_threads(client: TestClient) -> None:
    def cut() -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS

    assert client.portal is not None
    client.portal.call(cut)


def test_logins_waiting_for_argon2_leave_the_request_threads_to_other_requests(engine, monkeypatch):
    with TestClient(app_with(engine, login_hash_workers=1, login_hash_queue=REQUEST_THREADS)) as client:
        user = fresh_user(engine)
        token = api_token(client, user)
        _few_request_threads(client)
        import api.security

        gate = StalledHash(api.security.verify_password)
        monkeypatch.setattr(api.security, "verify_password", gate)
        with ThreadPoolExecutor(REQUEST_THREADS + 1) as pool:
            try:
                logins = [
                    pool.submit(client.post, TOKEN_URL, data={"username": user, "password": PASSWORD})
                    for _ in range(REQUEST_THREADS)
                ]
                assert gate.started.acquire(timeout=ANSWER_WITHIN)  # a login is hashing (and stalled)
                listed = pool.submit(client.get, "/api/v1/cases", headers=bearer(token))
                try:
                    answer = listed.result(timeout=ANSWER_WITHIN)
                except FutureTimeout:
                    answer = None
                stalled_logins = sum(not f.done() for f in logins)
            finally:
                gate.release.set()
            results = [f.result(timeout=ANSWER_WITHIN) for f in logins]

    assert answer is not None, "GET /api/v1/cases waited for the logins' password checks"
    assert answer.status_code == 200
    assert stalled_logins == REQUEST_THREADS
    assert [r.status_code for r in results] == [200] * REQUEST_THREADS


def test_a_full_password_pool_answers_503_at_once_without_hashing(engine, monkeypatch):
    with TestClient(app_with(engine, login_hash_workers=1, login_hash_queue=2)) as client:
        user = fresh_user(engine)
        csrf = login_csrf(client)
        import api.security

        gate = StalledHash(api.security.verify_password)
        monkeypatch.setattr(api.security, "verify_password", gate)
        with ThreadPoolExecutor(2) as pool:
            try:
                waiting = [
                    pool.submit(client.post, TOKEN_URL, data={"username": user, "password": PASSWORD}) for _ in range(2)
                ]
                assert gate.started.acquire(timeout=ANSWER_WITHIN)
                # Both admitted: one hashing, one queued behind it (the pool has one worker).
                for _ in range(600):
                    if client.app.state.password_pool.admitted == 2:
                        break
                    threading.Event().wait(0.05)
                refused = client.post(TOKEN_URL, data={"username": user, "password": PASSWORD})
                web = client.post(
                    "/login",
                    data={"username": user, "password": PASSWORD, "csrf": csrf},
                    follow_redirects=False,
                )
            finally:
                gate.release.set()
            results = [f.result(timeout=ANSWER_WITHIN) for f in waiting]

    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json() == {"detail": "登录请求过多，服务器繁忙，请稍后再试"}
    assert web.status_code == 503 and web.headers["Retry-After"] == "1"
    assert "登录请求过多，服务器繁忙，请稍后再试" in web.text
    assert [r.status_code for r in results] == [200, 200]
    assert gate.started.acquire(timeout=0) and not gate.started.acquire(timeout=0)  # the refused login never hashed
