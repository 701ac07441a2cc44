"""Private PostgreSQL clusters and server processes for the operations tests.

The shared harness runs one server against one cluster for the whole suite. Tests that
stop or kill the database, kill the server, or need a replica or TLS get their own here,
so they never disturb the others. Standard library only.
"""

import http.client
import json
import os
import signal
import ssl
import subprocess
import tempfile
import time

from tests.api import harness as h

PG = str(h.REPO_ROOT / "scripts" / "pg.sh")
PG_BIN = "/usr/lib/postgresql/15/bin"


def as_postgres(*args, **kw):
    cmd = list(args)
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


class Cluster:
    """A throwaway PostgreSQL cluster (scripts/pg.sh) in its own directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="oihwatch-ops-pg-")
        self.url = None

    def start(self, port=None):
        args = [PG, "start", self.dir] + ([str(port)] if port else [])
        out = subprocess.run(args, capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, PG_OPTS="-c fsync=off"))
        if out.returncode != 0:
            raise h.HarnessError(f"pg.sh start failed: {out.stderr}")
        self.url = out.stdout.strip()
        return self.url

    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1].split("/")[0])

    def stop(self, mode="fast"):
        """mode: fast (clean shutdown) or immediate (a crash: no shutdown checkpoint)."""
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-m", mode, "-w", "stop")

    def destroy(self):
        self.stop("immediate")
        subprocess.run(["rm", "-rf", self.dir])

    def psql(self, sql):
        out = subprocess.run(["psql", self.url, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise h.HarnessError(f"psql failed: {out.stderr}")
        return out.stdout.strip()

    def make_replica(self):
        """A streaming replica of this cluster (pg_basebackup -R), started on a free port."""
        replica = Cluster()
        os.chmod(replica.dir, 0o755)
        subprocess.run(["chown", "postgres:postgres", replica.dir], check=False)
        out = as_postgres("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U",
                          "postgres", "-D", f"{replica.dir}/data", "-R", "-X", "stream")
        if out.returncode != 0:
            raise h.HarnessError(f"pg_basebackup failed: {out.stderr}")
        replica.start()
        return replica


class Process:
    """An oihwatch server with its own environment, log file and port."""

    def __init__(self, database_url, **env):
        self.log_path = tempfile.mkstemp(prefix="oihwatch-ops-", suffix=".log")[1]
        self.env = dict(os.environ, DATABASE_URL=database_url, OIHWATCH_LISTEN="127.0.0.1:0",
                        OIHWATCH_LOG_LEVEL="info", OIHWATCH_RATE_LIMIT="0")
        self.env.update({k: str(v) for k, v in env.items()})
        self.proc = None
        self.port = None
        self.tls = "OIHWATCH_TLS_CERT" in env

    def start(self):
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([h.OIH_BIN, "serve"], env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=log)
        log.close()
        deadline = time.monotonic() + h.START_TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if line.get("msg") == "listening":
                    self.port = line["port"]
                    return self
            if self.proc.poll() is not None:
                raise h.HarnessError(f"server exited early:\n{self.log_text()}")
            time.sleep(0.05)
        raise h.HarnessError("server did not start listening")

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_lines(self):
        lines = []
        for raw in self.log_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"unparsed": raw})
        return lines

    def cli(self, *args):
        return subprocess.run([h.OIH_BIN, *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def admin_token(self):
        out = self.cli("token", "create", "--role", "admin", "--name", "ops-test")
        if out.returncode != 0:
            raise h.HarnessError(out.stderr)
        return out.stdout.strip()

    def call(self, method, path, body=None, token=None, headers=None, timeout=10):
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = h.encode_json(body)
            hdrs.setdefault("Content-Type", "application/json")
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return h._make_response(resp, resp.read())
        finally:
            conn.close()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "did not exit"
        return self.proc.returncode
