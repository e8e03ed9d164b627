"""Evidence tests: the demo community, sealed once per session on an SQLite file with its
signing key beside it (where `yimai` finds it), and a Python that has `cryptography` but
no Yimai, to run the stand-alone verifier as a reviewer would."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa

from projections.evidence import commits
from projections.system import System
from projections.timeline import timeline
from verifier import yimai_verify

SCRIPT = Path(yimai_verify.__file__).resolve()


@dataclass
class Demo:
    """The demo community, sealed, and the public key that checks its checkpoints."""

    system: System
    url: str
    public_key: str


def busiest_request(demo: Demo) -> UUID:
    """The demo request with the most events."""
    with demo.system.db.read.connect() as conn:
        found = conn.execute(
            sa.select(timeline.c.originator_id)
            .where(timeline.c.event.like("Request.%"))
            .group_by(timeline.c.originator_id)
            .order_by(sa.func.count().desc(), timeline.c.originator_id)
            .limit(1)
        ).scalar_one()
    assert isinstance(found, UUID)
    return found


def commit_rows(demo: Demo) -> list[tuple[int, str]]:
    with demo.system.db.read.connect() as conn:
        rows = conn.execute(
            sa.select(commits.c.position, commits.c.committed_at).order_by(commits.c.position)
        ).all()
    return [(int(p), str(c)) for p, c in rows]


@pytest.fixture(scope="session")
def demo(demo_system: System) -> Demo:
    """The session's demo (tests/conftest.py), sealed and checkpointed."""
    url = demo_system.settings.database_url
    return Demo(demo_system, url, demo_system.seal.public_key_pem())


#: What `cryptography` needs beside itself (the C binding's loader), from this environment.
NEEDED = ("cryptography", "cffi", "_cffi_backend", "pycparser")


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with `cryptography` and nothing else: a fresh virtual environment (no
    pip) whose one path file adds a directory holding links to `cryptography` and what it
    needs, and nothing more. No Yimai, no event store, no database driver."""
    root = tmp_path_factory.mktemp("bare")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    deps = root / "deps"
    deps.mkdir()
    for name in NEEDED:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (deps / source.name).symlink_to(source)
    site = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "cryptography-only.pth").write_text(f"{deps}\n")
    return python


@dataclass
class Alone:
    """An empty directory holding only a copy of the verifier, and the Python to run it."""

    folder: Path
    python: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -I yimai_verify.py ARGS` in the directory: isolated, so neither the
        directory nor PYTHONPATH nor the user's site is on sys.path."""
        return subprocess.run(
            [str(self.python), "-I", "yimai_verify.py", *args],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def imports(self, module: str) -> bool:
        found = subprocess.run(
            [str(self.python), "-I", "-c", f"import {module}"],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return found.returncode == 0


@pytest.fixture
def alone(tmp_path: Path, bare_python: Path) -> Alone:
    folder = tmp_path / "alone"
    folder.mkdir()
    shutil.copy(SCRIPT, folder / "yimai_verify.py")
    assert [p.name for p in folder.iterdir()] == ["yimai_verify.py"]
    return Alone(folder, bare_python)
