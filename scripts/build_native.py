"""Compile the fast JSON-LD path to C with mypyc, as an optional accelerator (decision 0015).

``credstack.vc.jsonld_rdf`` and ``credstack.vc.rdfc`` are plain Python, and credstack runs
on them as they are. Compiled with mypyc (part of mypy, a dev dependency) they run about three
times faster. This script copies the two modules into a package of their own,
``credstack_native``, compiles it, and installs it into the running interpreter's
site-packages together with the SHA-256 of the sources it was built from;
``credstack.vc.jsonld`` uses it only while that digest matches the sources beside it, so an
edited module is never shadowed by a stale build.

Run by ``./dev`` whenever the sources changed. Without a C compiler (or with ``--remove``) the
package is removed and the pure-Python path is used. Usage:
``python scripts/build_native.py [--check] [--remove]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("rdfc", "jsonld_rdf")
PACKAGE = "credstack_native"
MYPY_CONFIG = "[mypy]\nignore_missing_imports = True\n"


def source_digest() -> str:
    """The SHA-256 over the modules' sources, in order (what ``credstack.vc.jsonld`` checks)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((ROOT / "src/credstack/vc" / f"{name}.py").read_bytes())
    return digest.hexdigest()


def installed_digest(target: Path) -> str | None:
    stamp = target / "SOURCE_SHA256"
    return stamp.read_text().strip() if stamp.is_file() else None


def build(target: Path) -> None:
    """Compile into a temporary folder, then install the package at ``target``."""
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        package = folder / PACKAGE
        package.mkdir()
        (package / "__init__.py").write_text("")
        for name in SOURCES:
            text = (ROOT / "src/credstack/vc" / f"{name}.py").read_text("utf-8")
            for other in SOURCES:
                text = text.replace(f"credstack.vc.{other} import", f"{PACKAGE}.{other} import")
            (package / f"{name}.py").write_text(text, "utf-8")
        (folder / "mypy.ini").write_text(MYPY_CONFIG)
        mypyc = Path(sys.executable).with_name("mypyc")
        command = [str(mypyc), "--config-file", "mypy.ini"]
        command += [f"{PACKAGE}/{name}.py" for name in SOURCES]
        env = {**os.environ, "MYPYPATH": str(ROOT / "src")}
        result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError((result.stdout + result.stderr).strip().splitlines()[-1])
        remove(target)
        target.mkdir(parents=True)
        for built in folder.glob(f"{PACKAGE}/*.so"):
            shutil.copy2(built, target / built.name)
        runtimes = [runtime.name for runtime in folder.glob("*__mypyc*.so")]
        for name in runtimes:  # the group's shared runtime sits beside the package
            shutil.copy2(folder / name, target.parent / name)
        (target / "RUNTIME").write_text("\n".join(runtimes) + "\n")
        (target / "__init__.py").write_text(
            '"""Compiled copies of credstack.vc.rdfc and jsonld_rdf (scripts/build_native.py)."""\n'
        )
        (target / "SOURCE_SHA256").write_text(source_digest() + "\n")


def remove(target: Path) -> None:
    """Remove the package and the shared runtime it installed (and nothing else)."""
    runtimes = target / "RUNTIME"
    if runtimes.is_file():
        for name in runtimes.read_text().split():
            (target.parent / name).unlink(missing_ok=True)
    if target.exists():
        shutil.rmtree(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="build only if sources changed")
    parser.add_argument("--remove", action="store_true", help="remove the compiled package")
    args = parser.parse_args()
    target = Path(sysconfig.get_paths()["platlib"]) / PACKAGE
    if args.remove:
        remove(target)
        return 0
    if args.check and installed_digest(target) == source_digest():
        return 0
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        remove(target)
        print("no C compiler: the fast path runs as plain Python (about 3x slower)")
        return 0
    try:
        build(target)
    except (RuntimeError, OSError) as error:
        remove(target)
        print(f"native build failed, the fast path runs as plain Python: {error}")
        return 0
    print(f"compiled the fast JSON-LD path ({', '.join(SOURCES)}) with mypyc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
