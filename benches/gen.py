#!/usr/bin/env python3
"""Generate job files for the jobcheck benchmark.

    gen.py OUT_DIR [--files N] [--groups G] [--dirs D] [--bad FRACTION] [--seed S]

Writes N job specs spread over D directories (OUT_DIR/jobs/d0 … d{D-1}) using
G resource groups, each group with a single accelerator type (so a run asks
the API exactly G distinct (group, type) pairs), plus OUT_DIR/limits.json (the
limits file, a list of limit sets as the API returns them in `data`).
A fraction of the files (--bad, default 0.05) asks for more than the group
allows (cpus, memory, cards, nodes or walltime), so they carry diagnostics.
The output is deterministic for a given seed.
"""

import argparse
import json
import os
import random
import shutil


def groups(n):
    out = []
    for i in range(n):
        # Mostly GPU groups, some DCU and CPU-only ones.
        if i % 10 in (7, 8):
            accel = "dcu"
        elif i % 10 == 9:
            accel = "cpu"
        else:
            accel = "gpu"
        out.append(
            {
                "resourceGroup": f"group{i:02d}",
                "acceleratorType": accel,
                "cpuNumber": 32 + 8 * (i % 8),
                "gpuNumber": 0 if accel == "cpu" else 8,
                "nvLimits": 4 if (accel == "gpu" and i % 3 == 0) else 0,
                "dcuLimits": 0,
                "mluLimits": 0,
                "memorySize": 131072 + 65536 * (i % 4),
                "nodeNumber": 1 + i % 4,
                "maxTime": "unlimited" if i % 5 == 0 else f"{1 + i % 7}-00:00:00",
            }
        )
    return out


def hours(max_time):
    if max_time == "unlimited":
        return 24 * 30
    return int(max_time.split("-")[0]) * 24


def job(rng, n, g, bad):
    accel = g["acceleratorType"]
    cards_max = g["nvLimits"] or g["gpuNumber"]
    cpus = rng.randint(1, g["cpuNumber"])
    mem_gib = rng.randint(1, g["memorySize"] // 1024)
    nodes = rng.randint(1, g["nodeNumber"])
    cards = rng.randint(1, cards_max) if accel != "cpu" else 0
    wall_h = rng.randint(1, hours(g["maxTime"]))
    if bad:
        what = rng.choice(["cpus", "memory", "nodes", "cards", "walltime"])
        if what == "cards" and accel == "cpu":
            what = "cpus"
        if what == "walltime" and g["maxTime"] == "unlimited":
            what = "memory"
        if what == "cpus":
            cpus = g["cpuNumber"] + rng.randint(1, 64)
        elif what == "memory":
            mem_gib = g["memorySize"] // 1024 + rng.randint(1, 512)
        elif what == "nodes":
            nodes = g["nodeNumber"] + rng.randint(1, 4)
        elif what == "cards":
            cards = cards_max + rng.randint(1, 4)
        else:
            wall_h = hours(g["maxTime"]) + rng.randint(1, 48)
    lines = [
        "# yaml-language-server: $schema=../../schemas/job.schema.json",
        f"name: bench-{n:06d}",
        f"resourceGroup: {g['resourceGroup']}",
        f"acceleratorType: {accel}",
        f"nodes: {nodes}",
        f"cpus: {cpus}",
    ]
    if accel != "cpu":
        lines.append(f"{accel}s: {cards}")
    lines += [
        f"memory: {mem_gib}G",
        f'walltime: "{wall_h // 24}-{wall_h % 24:02d}:00:00"',
        "x-owner: bench",
    ]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--files", type=int, default=10000)
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--dirs", type=int, default=10)
    p.add_argument("--bad", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=6)
    a = p.parse_args()
    rng = random.Random(a.seed)
    gs = groups(a.groups)
    jobs_dir = os.path.join(a.out, "jobs")
    shutil.rmtree(jobs_dir, ignore_errors=True)
    for d in range(a.dirs):
        os.makedirs(os.path.join(jobs_dir, f"d{d}"), exist_ok=True)
    for n in range(a.files):
        g = gs[rng.randrange(len(gs))]
        bad = rng.random() < a.bad
        path = os.path.join(jobs_dir, f"d{n % a.dirs}", f"job-{n:06d}.yaml")
        with open(path, "w") as f:
            f.write(job(rng, n, g, bad))
    with open(os.path.join(a.out, "limits.json"), "w") as f:
        json.dump(gs, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
