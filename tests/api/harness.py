"""Black-box API test harness for oihwatch (Python 3 standard library only).

Run the whole suite from the repository root with:

    python3 -m unittest discover -s tests/api -t . -v

Environment:
  DATABASE_URL    required; a PostgreSQL the server may migrate (tests/run.sh starts one;
                  by hand: export DATABASE_URL=$(scripts/pg.sh start /tmp/apitest-pg)).
  OIH_BIN         the server binary (default build/asan/oihwatch, relative to the repo root).
  OIH_SERVER_LOG  where the server's stderr (JSON log lines) goes (default: a temp file).

The server is started once per test run (lazily, by the first test that needs it) with
OIHWATCH_LISTEN=127.0.0.1:0 and OIHWATCH_LOG_LEVEL=info; its port is read from the
"listening" log line. OIHWATCH_MAX_BODY_BYTES is removed from its environment so that the
default limit (1 MiB) is what the 413 tests see. At the end of the run the server gets
SIGTERM and must exit 0: under discovery the package's load_tests appends a final test
(tests/api/__init__.py) that asserts it; otherwise an atexit hook does and makes the
process exit 1 when the exit code was not 0.

An admin token comes from `$OIH_BIN token create --role admin --name test-admin`.
Every test creates its own patients and principals, so tests do not depend on order.
"""

import atexit
import datetime as _dt
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OIH_BIN = os.environ.get("OIH_BIN") or str(REPO_ROOT / "build" / "asan" / "oihwatch")
if not os.path.isabs(OIH_BIN):
    OIH_BIN = str(REPO_ROOT / OIH_BIN)

MIB = 1024 * 1024
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 30

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TOKEN_RE = re.compile(r"^oiw_[0-9a-f]{64}$")
# api-decisions.md: UTC with "Z", microseconds (6 digits) only when non-zero
UTC_TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$")

_DEFAULT = object()


class HarnessError(RuntimeError):
    pass


# --------------------------------------------------------------------------- server


class Server:
    """One oihwatch process for the whole test run."""

    def __init__(self):
        self.proc = None
        self.port = None
        self.admin_token = None
        self.log_path = None
        self._log_file = None
        self.returncode = None
        self.stopped = False

    def env(self):
        env = dict(os.environ)
        url = env.get("DATABASE_URL")
        if not url:
            raise HarnessError(
                "DATABASE_URL is not set: start PostgreSQL first, e.g. "
                "export DATABASE_URL=$(scripts/pg.sh start /tmp/apitest-pg)")
        env["OIHWATCH_LISTEN"] = "127.0.0.1:0"
        env["OIHWATCH_LOG_LEVEL"] = "info"
        env.pop("OIHWATCH_MAX_BODY_BYTES", None)
        # the suite fires hundreds of requests per token; rate limiting has its own tests
        # on private servers (test_limits.py)
        env["OIHWATCH_RATE_LIMIT"] = "0"
        return env

    def start(self):
        if not os.path.isfile(OIH_BIN) or not os.access(OIH_BIN, os.X_OK):
            raise HarnessError(f"server binary {OIH_BIN} not found or not executable "
                               "(build it with `make SANITIZE=1` or set OIH_BIN)")
        env = self.env()
        self.log_path = os.environ.get("OIH_SERVER_LOG")
        if not self.log_path:
            fd, self.log_path = tempfile.mkstemp(prefix="oihwatch-api-", suffix=".log")
            os.close(fd)
        self._log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen([OIH_BIN, "serve"], env=env, cwd=str(REPO_ROOT),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log_file)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            port = self._find_port()
            if port:
                self.port = port
                break
            if self.proc.poll() is not None:
                raise HarnessError(f"server exited with {self.proc.returncode} before "
                                   f"listening; log:\n{self.log_tail()}")
            time.sleep(0.05)
        else:
            self.proc.kill()
            self.proc.wait()
            raise HarnessError(f"no \"listening\" log line within {START_TIMEOUT_S}s; "
                               f"log:\n{self.log_tail()}")
        out = run_cli("token", "create", "--role", "admin", "--name", "test-admin")
        if out.returncode != 0:
            raise HarnessError(f"`token create` failed ({out.returncode}): {out.stderr}")
        token = out.stdout.strip()
        if not token or "\n" in token:
            raise HarnessError(f"`token create` printed {out.stdout!r}, not a lone token")
        self.admin_token = token

    def _find_port(self):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        for line in data.splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("msg") == "listening":
                port = obj.get("port")
                if isinstance(port, int) and not isinstance(port, bool) and port > 0:
                    return port
        return None

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except (OSError, TypeError):
            return "(no log)"
        return "\n".join(lines[-n:])

    def stop(self):
        """SIGTERM, wait, and return the exit code (None if it had never started)."""
        if self.stopped:
            return self.returncode
        self.stopped = True
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = "killed: did not exit within %ds of SIGTERM" % STOP_TIMEOUT_S
                self._log_file.close()
                return self.returncode
        self.returncode = self.proc.returncode
        self._log_file.close()
        return self.returncode


_server = Server()
_server_lock = threading.Lock()
_start_error = None


def server():
    """The running server, started on first use."""
    global _start_error
    with _server_lock:
        if _start_error is not None:
            raise HarnessError(f"server failed to start earlier: {_start_error}")
        if _server.stopped:
            raise HarnessError("server already stopped")
        if _server.proc is None:
            try:
                _server.start()
            except Exception as e:  # remember: later tests fail fast with the same cause
                _start_error = e
                raise
        return _server


def stop_server():
    with _server_lock:
        return _server.stop()


def server_started():
    return _server.proc is not None


def _atexit_stop():
    if _server.proc is None or _server.stopped:
        return
    rc = _server.stop()
    if rc != 0:
        sys.stderr.write(f"\nFAIL: oihwatch exited with {rc} after SIGTERM (expected 0); "
                         f"log tail:\n{_server.log_tail()}\n")
        sys.stderr.flush()
        os._exit(1)


atexit.register(_atexit_stop)


def run_cli(*args, timeout=30):
    """Runs `$OIH_BIN args...` with the server's environment; returns CompletedProcess."""
    return subprocess.run([OIH_BIN, *args], env=_server.env(), cwd=str(REPO_ROOT),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def admin_token():
    return server().admin_token


# --------------------------------------------------------------------------- HTTP client


class Response(tuple):
    """(status, headers, body): headers a dict with lowercase names; body the parsed JSON
    when the response is JSON, else the raw bytes. Also .raw (bytes) and .reason."""

    def __new__(cls, status, headers, body, raw, reason=""):
        self = super().__new__(cls, (status, headers, body))
        self.raw = raw
        self.reason = reason
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def __repr__(self):
        raw = self.raw if len(self.raw) < 600 else self.raw[:600] + b"..."
        return f"<HTTP {self.status} {raw!r}>"


def _lower_headers(msg):
    out = {}
    for name, value in msg.items():
        k = name.lower()
        out[k] = f"{out[k]}, {value}" if k in out else value
    return out


def _make_response(resp, raw):
    headers = _lower_headers(resp.msg)
    body = raw
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if raw and (ctype == "application/json" or ctype.endswith("+json")):
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            body = raw
    return Response(resp.status, headers, body, raw, resp.reason)


def encode_json(obj):
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def request(method, path, body=None, token=None, headers=None,
            content_type=_DEFAULT, timeout=REQUEST_TIMEOUT_S):
    """Sends one request on a fresh connection.

    body: a dict/list (sent as JSON), bytes/str (sent as is) or None.
    content_type: defaults to application/json when there is a body; None omits it.
    token: bearer token or None. headers: extra headers (override the defaults)."""
    srv = server()
    hdrs = {}
    data = None
    if body is not None:
        if isinstance(body, (bytes, bytearray)):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = encode_json(body)
        if content_type is _DEFAULT:
            content_type = "application/json"
    if content_type is not _DEFAULT and content_type is not None:
        hdrs["Content-Type"] = content_type
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    if headers:
        hdrs.update(headers)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return _make_response(resp, raw)
    finally:
        conn.close()


def raw_request(method, path, headers, chunks, chunked=False, timeout=REQUEST_TIMEOUT_S):
    """Sends a request whose body is an iterable of byte chunks from a writer thread while
    this thread reads the response: a server may answer (413) and close before the whole
    body is sent. With chunked=True the body goes with Transfer-Encoding: chunked (via
    http.client's chunk encoder); otherwise the caller sets Content-Length in headers.
    Returns a Response."""
    srv = server()
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    if chunked:
        conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    sock = conn.sock
    send_error = []

    def writer():
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                if chunked:
                    sock.sendall(f"{len(chunk):X}\r\n".encode() + chunk + b"\r\n")
                else:
                    sock.sendall(chunk)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as e:  # the server stopped reading: expected after an early 413
            send_error.append(e)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        raw = resp.read()
        return _make_response(resp, raw)
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        t.join(timeout)
        conn.close()


# --------------------------------------------------------------------------- fixtures


def unique(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def new_id():
    return str(uuid.uuid4())


def ts(dt):
    """RFC 3339 UTC text of an aware datetime (whole seconds unless microseconds)."""
    dt = dt.astimezone(_dt.timezone.utc)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_ts(text):
    """Parses the server's UTC timestamps into aware datetimes."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return _dt.datetime.fromisoformat(text)


def now_utc():
    return _dt.datetime.now(_dt.timezone.utc)


BASE_TIME = _dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=_dt.timezone.utc)


def pain_entry(**fields):
    e = {"recorded_at": ts(BASE_TIME), "score": 5}
    e.update(fields)
    return e


def dose_entry(**fields):
    e = {"taken_at": ts(BASE_TIME), "medication": "oxycodone", "dose": 10, "unit": "mg",
         "route": "oral"}
    e.update(fields)
    return e


def new_clinician(name=None):
    """POST /v1/tokens as admin for a new clinician principal; returns the 201 body."""
    r = request("POST", "/v1/tokens", {"role": "clinician", "name": name or unique("Dr")},
                token=admin_token())
    if r.status != 201:
        raise HarnessError(f"creating a clinician token: {r!r}")
    return r.body


def new_patient(token=None, **fields):
    """POST /v1/patients (as admin unless token is given); returns the 201 body."""
    r = request("POST", "/v1/patients", fields, token=token or admin_token())
    if r.status != 201:
        raise HarnessError(f"creating a patient: {r!r}")
    return r.body


def new_patient_token(patient_id, token=None):
    """POST /v1/tokens {"role":"patient"} (as admin unless token is given); the 201 body."""
    r = request("POST", "/v1/tokens", {"role": "patient", "patient_id": patient_id},
                token=token or admin_token())
    if r.status != 201:
        raise HarnessError(f"creating a patient token: {r!r}")
    return r.body


def post_pain(patient_id, body, token=None, **kw):
    return request("POST", f"/v1/patients/{patient_id}/pain-entries", body,
                   token=token or admin_token(), **kw)


def post_dose(patient_id, body, token=None, **kw):
    return request("POST", f"/v1/patients/{patient_id}/dose-entries", body,
                   token=token or admin_token(), **kw)


# --------------------------------------------------------------------------- database


def psql(sql):
    """Runs sql with psql against DATABASE_URL; returns stdout (unaligned, tuples only)."""
    out = subprocess.run(["psql", _server.env()["DATABASE_URL"], "-X", "-At",
                          "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise HarnessError(f"psql failed ({out.returncode}): {out.stderr.strip()}\nSQL: {sql}")
    return out.stdout.strip()


def _quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def public_tables_with_column(column):
    rows = psql(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        f"WHERE c.table_schema = 'public' AND c.column_name = '{column}' "
        "AND t.table_type = 'BASE TABLE' ORDER BY 1")
    return [r for r in rows.splitlines() if r]


def count_where(table, column, value):
    return int(psql(f"SELECT count(*) FROM public.{_quote_ident(table)} "
                    f"WHERE {_quote_ident(column)}::text = '{value}'"))


def entry_table(time_column):
    """The base table of the public schema holding entries: it has patient_id and
    time_column (recorded_at for pain, taken_at for doses)."""
    both = set(public_tables_with_column("patient_id")) & set(
        public_tables_with_column(time_column))
    if len(both) > 1:
        hint = "pain" if time_column == "recorded_at" else "dose"
        named = [t for t in both if hint in t]
        if len(named) == 1:
            both = set(named)
    if len(both) != 1:
        raise HarnessError(f"cannot tell the entry table with patient_id and {time_column}: "
                           f"{sorted(both)}")
    return both.pop()


def stored_entry_count(patient_id, time_column="recorded_at"):
    return count_where(entry_table(time_column), "patient_id", patient_id)


# --------------------------------------------------------------------------- test base


class ApiTestCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        server()

    # shortcuts
    @property
    def admin(self):
        return admin_token()

    def api(self, method, path, body=None, token=_DEFAULT, **kw):
        """request() with the admin token unless token is given (None: no token)."""
        if token is _DEFAULT:
            token = admin_token()
        return request(method, path, body, token=token, **kw)

    # assertions
    def assertStatus(self, resp, status, msg=None):
        if resp.status != status:
            self.fail(f"expected HTTP {status}, got {resp!r}" + (f": {msg}" if msg else ""))

    def assertProblem(self, resp, status, pointers=None, exact=False):
        """An RFC 9457 problem with this status; pointers (if given) must each appear in
        its "errors" (exact=True: and nothing else). Returns the body."""
        self.assertStatus(resp, status)
        ctype = resp.headers.get("content-type", "")
        self.assertEqual(ctype.split(";")[0].strip().lower(), "application/problem+json",
                         f"problem content type, got {ctype!r} for {resp!r}")
        body = resp.body
        self.assertIsInstance(body, dict, f"problem body is not a JSON object: {resp!r}")
        self.assertEqual(body.get("status"), status, f"problem status field: {body}")
        self.assertIsInstance(body.get("title"), str, f"problem title: {body}")
        self.assertIsInstance(body.get("type"), str, f"problem type: {body}")
        self.assertIn("x-request-id", resp.headers, "X-Request-Id on an error response")
        if pointers is not None:
            got = self.pointers(resp)
            for p in pointers:
                self.assertIn(p, got, f"expected error pointer {p!r} in {body}")
            if exact:
                self.assertEqual(sorted(set(got)), sorted(set(pointers)),
                                 f"error pointers of {body}")
        return body

    def pointers(self, resp):
        errors = resp.body.get("errors") if isinstance(resp.body, dict) else None
        self.assertIsInstance(errors, list, f"problem has no errors array: {resp!r}")
        out = []
        for e in errors:
            self.assertIsInstance(e, dict, f"errors item: {e!r}")
            self.assertIsInstance(e.get("detail"), str, f"errors item without detail: {e!r}")
            if "pointer" in e:
                self.assertIsInstance(e["pointer"], str)
                out.append(e["pointer"])
        return out

    def assertUuid(self, value, msg=None):
        self.assertIsInstance(value, str, msg)
        self.assertRegex(value, UUID_RE, msg)

    def assertUtcTimestamp(self, value, msg=None):
        self.assertIsInstance(value, str, msg)
        self.assertRegex(value, UTC_TS_RE, msg)
