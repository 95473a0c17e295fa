"""nginx in front of the benchmark's gunicorn, as in production (docs/deployment.md): it proxies
every request to the app and sends the stored files the app hands it with X-Accel-Redirect
(gunicorn started with FILE_SENDING=x-accel-redirect).

    if front.available():
        server = front.FrontServer(gunicorn_port, folder / "uploads", folder / "nginx")
        ...  # requests to http://127.0.0.1:{server.port}/
        server.stop()

Debian's nginx (`apt-get install nginx-light`, /usr/sbin/nginx) runs in the foreground as the
current user, with its configuration, pid file, logs and temporary files in `folder`.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

NGINX = "/usr/sbin/nginx"
ACCEL_PREFIX = "/_protected/"  # FILE_ACCEL_PREFIX's default

# What the app sets that nginx does not copy from an X-Accel-Redirect answer: repeated from the
# app's answer ($upstream_http_…); an empty value adds nothing. As in docs/deployment.md.
REPEATED_HEADERS = ("X-Content-Type-Options", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy",
                    "Strict-Transport-Security", "Vary")

CONFIG = """\
daemon off;
{user}worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;

events {{
    worker_connections 256;
}}

http {{
    access_log off;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;
    types {{ }}
    default_type application/octet-stream;

    upstream portal {{
        server 127.0.0.1:{upstream_port};
        keepalive 8;
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 60m;

        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}

        location {prefix} {{
            internal;
            alias {uploads}/;
{repeated}
        }}
    }}
}}
"""


def available() -> bool:
    """Whether Debian's nginx is installed."""
    return Path(NGINX).is_file() or shutil.which("nginx") is not None


def _binary() -> str:
    return NGINX if Path(NGINX).is_file() else shutil.which("nginx") or NGINX


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FrontServer:
    """nginx on a free loopback port, proxying to gunicorn on `upstream_port`, serving the
    X-Accel-Redirect location `ACCEL_PREFIX` from `upload_folder`; its files in `folder`."""

    def __init__(self, upstream_port: int, upload_folder: Path, folder: Path, workers: int = 1,
                 timeout: float = 10):
        self.folder = Path(folder).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        uploads = Path(upload_folder).resolve()
        uploads.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.config = self.folder / "nginx.conf"
        repeated = "\n".join(f"            add_header {name} $upstream_http_{name.lower().replace('-', '_')} always;"
                             for name in REPEATED_HEADERS)
        # Started by root, nginx's workers would run as nobody, who may not enter a private folder.
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
        self.config.write_text(CONFIG.format(user=user, workers=workers, folder=self.folder,
                                             upstream_port=upstream_port, port=self.port, prefix=ACCEL_PREFIX,
                                             uploads=uploads, repeated=repeated))
        self.log = self.folder / "nginx.out"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([_binary(), "-c", str(self.config), "-p", str(self.folder),
                                             "-e", str(self.folder / "error.log")],
                                            stdout=log, stderr=log)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                errors = (self.folder / "error.log")
                detail = errors.read_text() if errors.exists() else self.log.read_text()
                raise RuntimeError(f"nginx stopped: {detail.strip()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on 127.0.0.1:{self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
