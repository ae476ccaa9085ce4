"""The fake Bot API after its client is killed: every request already sent is dealt with.

A child process opens many connections to the fake Bot API, writes a complete
``sendMessage`` request on each (and a truncated one on one more), and SIGKILLs itself
without reading a single answer. Once the child is reaped, ``FakeBotApi.quiesce()`` returns
only when each complete request has been handled (its message is in the chat) and the
truncated one dropped, with no connection left open. This is what lets the crash test look
at users' chats right after a kill.
"""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from botapi import FakeBotApi

from tests.reliability.botproc import TOKEN

REQUESTS = 40

CHILD = textwrap.dedent("""
    import json, os, signal, socket, sys
    port, token, chat_id, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    keep = []
    def request(body, length=None):
        head = (f"POST /bot{token}/sendMessage HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"
                f"Content-Type: application/json\\r\\nContent-Length: {length or len(body)}\\r\\n\\r\\n")
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(head.encode() + body)
        keep.append(sock)
    for n in range(count):
        request(json.dumps({"chat_id": chat_id, "text": f"message {n}"}).encode())
    request(json.dumps({"chat_id": chat_id, "text": "cut short"}).encode(), length=500)
    os.kill(os.getpid(), signal.SIGKILL)
""")


def test_requests_of_a_killed_client_are_all_handled_before_quiesce_returns(server: FakeBotApi) -> None:
    user = server.user(7300, first_name="Quiet")
    user.send("/start", wait=False)  # the chat exists once its user has written
    child = subprocess.run([sys.executable, "-c", CHILD, str(server.port), TOKEN, str(user.chat_id),
                            str(REQUESTS)], capture_output=True, timeout=30, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    reaped = time.monotonic()
    server.quiesce()
    waited = time.monotonic() - reaped
    texts = sorted(m.text for m in user.messages)
    assert texts == sorted(f"message {n}" for n in range(REQUESTS))  # every one once; not the cut one
    calls = [c for c in server.calls if c.method == "sendMessage"]
    assert len(calls) == REQUESTS
    assert {c.status for c in calls} == {200}
    assert not server.violations
    print(f"quiesce: {REQUESTS} requests of a killed client handled, {waited * 1000:.0f} ms after it was reaped")


def test_quiesce_explains_a_client_that_keeps_its_connection(server: FakeBotApi) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request("GET", f"/bot{TOKEN}/getMe")
        answer = json.loads(connection.getresponse().read())
        assert answer["ok"] is True  # answered, and the keep-alive connection stays open
        with pytest.raises(AssertionError, match=r"1 connection\(s\) to the fake Bot API still open after "
                                                 r"0\.3 s: stop every client"):
            server.quiesce(timeout=0.3)
    finally:
        connection.close()
    server.quiesce()  # closed: nothing left
