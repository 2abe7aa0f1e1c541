#!/usr/bin/env python3
"""Text stubs (.tbd) of the two macOS frameworks jobcheck links against.

A macOS SDK is a set of text stubs: for each system library, its install
name and the symbols it exports. zig carries libSystem's, not the
frameworks', so without an SDK the link fails with `unable to find system
framework "Security"`. The TLS stack (rustls-platform-verifier, through
security-framework) needs Security and CoreFoundation; their Rust bindings
declare every symbol they use in `extern "C"` blocks under one
`#[link(name = ..., kind = "framework")]`. This script reads those
declarations from the locked versions of the two binding crates and writes
the stubs a native build would find in the SDK:

  OUT/Security.framework/Security.tbd
  OUT/CoreFoundation.framework/CoreFoundation.tbd

Link with `-L framework=OUT`. The binary records the frameworks' install
names, as a native build does, and dyld binds to the real ones at run time.
Only symbols the program uses are bound, so a symbol a binding declares but
jobcheck never calls costs nothing.

  python3 dist/macos_stubs.py OUT
"""

import json
import os
import re
import subprocess
import sys

FRAMEWORKS = {
    # binding crate -> framework name
    "core-foundation-sys": "CoreFoundation",
    "security-framework-sys": "Security",
}
TARGETS = "[ x86_64-macos, arm64-macos, arm64e-macos ]"

OPEN = re.compile(r'^\s*(pub\s+)?(unsafe\s+)?extern\s+("C"\s*)?\{')
ITEM = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?((safe|unsafe)\s+)?(fn|static(\s+mut)?)\s+([A-Za-z_][A-Za-z0-9_]*)")
LINK_NAME = re.compile(r'link_name\s*=\s*"([^"]+)"')
# security-framework-sys declares its key algorithms through a macro,
# `names! { Name => kSecKeyAlgorithm..., }`, whose body is an extern block.
MACRO_ARM = re.compile(r"=>\s*(k[A-Z][A-Za-z0-9_]*)")


def declared(src_dir):
    """Every symbol declared in an `extern` block under src_dir, with the
    name it links by (`link_name` wins)."""
    names = set()
    for root, _, files in os.walk(src_dir):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            depth = 0
            in_names = False
            pending_link_name = []
            with open(os.path.join(root, name), encoding="utf-8") as f:
                for line in f:
                    code = line.split("//", 1)[0]
                    if in_names:
                        names.update(MACRO_ARM.findall(code))
                        in_names = not code.startswith("}")
                        continue
                    if depth == 0:
                        if code.startswith("names! {"):
                            in_names = True
                        elif OPEN.match(code):
                            depth = code.count("{") - code.count("}")
                        continue
                    if code.lstrip().startswith("#"):
                        pending_link_name += LINK_NAME.findall(code)
                    m = ITEM.match(code)
                    if m and depth == 1:
                        # A `cfg_attr(…, link_name = …)` renames it on some
                        # targets only: both names are exported.
                        names.add(m.group(7))
                        names.update(pending_link_name)
                        pending_link_name = []
                    depth += code.count("{") - code.count("}")
    return names


def tbd(framework, symbols):
    install = f"/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}"
    listed = ", ".join("_" + s for s in sorted(symbols))
    return (
        "--- !tapi-tbd\n"
        "tbd-version:     4\n"
        f"targets:         {TARGETS}\n"
        f"install-name:    '{install}'\n"
        "exports:\n"
        f"  - targets:         {TARGETS}\n"
        f"    symbols:         [ {listed} ]\n"
        "...\n"
    )


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: macos_stubs.py OUT_DIR")
    out = sys.argv[1]
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    found = {}
    for package in meta["packages"]:
        if package["name"] in FRAMEWORKS:
            found[package["name"]] = os.path.join(os.path.dirname(package["manifest_path"]), "src")
    for crate, framework in FRAMEWORKS.items():
        if crate not in found:
            sys.exit(f"macos_stubs.py: {crate} is not in Cargo.lock; nothing links {framework}?")
        symbols = declared(found[crate])
        if not symbols:
            sys.exit(f"macos_stubs.py: no extern declarations found in {found[crate]}")
        # CoreFoundation's exports all start with CF (or kCF, __CF);
        # Security's never do. A symbol in the wrong stub would be bound to
        # the wrong framework and fail when the program starts.
        is_cf = [s.lstrip("_").lstrip("k").startswith("CF") for s in symbols]
        wrong = [s for s, cf in zip(symbols, is_cf) if cf != (framework == "CoreFoundation")]
        if wrong:
            sys.exit(f"macos_stubs.py: {crate} declares symbols of another framework: {sorted(wrong)[:5]}")
        path = os.path.join(out, f"{framework}.framework")
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, f"{framework}.tbd"), "w", encoding="utf-8") as f:
            f.write(tbd(framework, symbols))
        print(f"{framework}: {len(symbols)} symbols from {crate}")


if __name__ == "__main__":
    main()
