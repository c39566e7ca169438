"""A full `rasa train` from an empty cache, timed, with the peak RSS of its process tree."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Tuple

from bench.memory import PeakSampler, tree_rss_mib
from bench.paths import BIN, ROOT, relative
from bench.progress import wait_with_progress
from bench.servers import log_tail, rasa_env
from bench.training_profile import profile


def train(name: str, config: Path, out_dir: Path, log: Path) -> Tuple[Dict[str, Any], Path]:
    """Train `config` on data/ and domain.yml into out_dir/<name>.tar.gz; returns (measures, model).

    The Rasa cache (RASA_CACHE_DIRECTORY) is a new empty directory and --force is given, so every
    component is trained: this is the cost of a fresh clone, not of an incremental `make train`.
    """
    cache = Path(tempfile.mkdtemp(prefix="icm-bench-cache-"))
    args = [
        str(BIN / "rasa"),
        "train",
        "--config",
        str(config),
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(out_dir),
        "--fixed-model-name",
        name,
        "--force",
    ]
    try:
        started, started_at = time.monotonic(), time.time()
        with open(log, "ab") as log_file:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=rasa_env(RASA_CACHE_DIRECTORY=str(cache)),
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        with PeakSampler(process.pid) as peak:
            wait_with_progress(
                process, log, f"training {name}", lambda: f"RSS {tree_rss_mib(process.pid):.0f} MiB"
            )
        wall = time.monotonic() - started
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    model = out_dir / f"{name}.tar.gz"
    if process.returncode != 0 or not model.exists():
        raise RuntimeError(
            f"`rasa train` of {config.name} failed (exit code {process.returncode}); fix the error in "
            f"{log} and run the benchmark again. The log ends with:\n{log_tail(log)}"
        )
    print(f"    trained {name} in {wall:.0f} s, peak RSS {peak.peak_mib:.0f} MiB", flush=True)
    measures = {
        "config": relative(config),
        "wall_s": round(wall, 1),
        "peak_rss_mib": peak.peak_mib,
        "rss_samples": peak.samples,
        "profile": profile(log, wall, started_at),
    }
    return measures, model
