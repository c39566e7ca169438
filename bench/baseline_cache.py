"""The baseline model of `make bench`, trained once and reused while nothing it depends on changes.

Our model is trained from an empty cache in every full run (its training time is a measured number);
the baseline's is not a target, and training it (DIET and ResponseSelector with 2 transformer layers,
100 epochs each) took 38 min on 2 cores on 2026-11-29, far more than the whole run's budget. So the trained
baseline and the measures of that training are kept outside the clone, in $ICM_BENCH_CACHE (default
~/.cache/icm-assistant/bench-baseline, or under $XDG_CACHE_HOME), so that a fresh clone on the same
machine reuses it. Entries are keyed by cache_key(): the sha256 of bench/config.baseline.yml,
domain.yml, every file under data/ and the Rasa version. A run whose key matches reuses the model and
reports the cached training time and peak RSS, labelled with the date and commit of that training.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Optional, Tuple


def _cache_dir() -> Path:
    configured = os.environ.get("ICM_BENCH_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "icm-assistant" / "bench-baseline"


CACHE_DIR = _cache_dir()
MODEL_NAME = "baseline.tar.gz"
META_NAME = "baseline.json"
_CHUNK = 1 << 20


def rasa_version() -> str:
    try:
        return metadata.version("rasa")
    except metadata.PackageNotFoundError:
        return "unknown"


def _files(data_dir: Path) -> Iterable[Tuple[str, Path]]:
    """Every file under data_dir (recursively, hidden ones too) as (posix path relative to it, path)."""
    found = [(path.relative_to(data_dir).as_posix(), path) for path in data_dir.rglob("*") if path.is_file()]
    return sorted(found)


def _update(digest: Any, label: str, content: bytes) -> None:
    """Hash a labelled, length-prefixed part, so that no two different inputs can run together."""
    for part in (label.encode(), content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)


def cache_key(config: Path, domain: Path, data_dir: Path, rasa: str) -> str:
    """sha256 of the baseline config, the domain, every file under data_dir (sorted paths, contents)
    and the Rasa version: the cached baseline is valid while this is unchanged."""
    digest = hashlib.sha256()
    _update(digest, "config", config.read_bytes())
    _update(digest, "domain", domain.read_bytes())
    for name, path in _files(data_dir):
        _update(digest, f"data/{name}", path.read_bytes())
    _update(digest, "rasa", rasa.encode())
    return digest.hexdigest()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def lookup(key: str, cache_dir: Path = CACHE_DIR, retrain: bool = False) -> Optional[Dict[str, Any]]:
    """The cached entry (its JSON, with "model" set to the cached model's path) on a hit, None on a miss.

    A miss: `retrain` (--retrain-baseline), no or unreadable JSON, another key, or a model file that is
    missing or not the one the JSON describes (an interrupted copy).
    """
    if retrain:
        return None
    meta_path, model = cache_dir / META_NAME, cache_dir / MODEL_NAME
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("key") != key or not model.is_file():
        return None
    if meta.get("model_sha256") != _sha256_of(model):
        return None
    return {**meta, "model": str(model)}


def store(
    key: str,
    model: Path,
    measures: Dict[str, Any],
    machine: Dict[str, Any],
    cache_dir: Path = CACHE_DIR,
) -> Dict[str, Any]:
    """Keep `model` and the measures of its training under cache_dir, replacing any earlier entry.

    The JSON is removed first and written last, so that an interrupted store leaves a miss.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta_path, target = cache_dir / META_NAME, cache_dir / MODEL_NAME
    meta_path.unlink(missing_ok=True)
    partial = cache_dir / f".{MODEL_NAME}.partial"
    shutil.copyfile(model, partial)
    os.replace(partial, target)
    git = machine.get("git") or {}
    meta = {
        "key": key,
        "rasa": rasa_version(),
        "config": measures.get("config"),
        "wall_s": measures.get("wall_s"),
        "peak_rss_mib": measures.get("peak_rss_mib"),
        "rss_samples": measures.get("rss_samples"),
        "profile": measures.get("profile"),
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git.get("commit"),
        "dirty": git.get("dirty"),
        "machine": {"cores": machine.get("cores"), "cpu_model": machine.get("cpu_model")},
        "model_sha256": _sha256_of(target),
    }
    partial_meta = cache_dir / f".{META_NAME}.partial"
    partial_meta.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    os.replace(partial_meta, meta_path)
    return meta


def provenance(meta: Dict[str, Any]) -> str:
    """'cached from <date>, commit <sha>' (+ uncommitted changes, + another machine's CPU if any)."""
    commit = (meta.get("commit") or "unknown")[:10]
    dirty = " with uncommitted changes" if meta.get("dirty") else ""
    machine = meta.get("machine") or {}
    where = f", on {machine.get('cores')} cores ({machine.get('cpu_model')})" if machine else ""
    return f"cached from {meta.get('trained_at')}, commit {commit}{dirty}{where}"


def baseline_model(
    key: str,
    train: Callable[[], Tuple[Dict[str, Any], Path]],
    workdir: Path,
    machine: Dict[str, Any],
    cache_dir: Path = CACHE_DIR,
    retrain: bool = False,
) -> Tuple[Dict[str, Any], Path, Dict[str, Any]]:
    """(training measures, model in workdir, cache info): the cached model on a hit, `train()` on a miss.

    On a hit nothing is trained: the measures are those of the cached training, marked "cached": true
    with its date, commit and machine. On a miss `train()` runs and its model fills the cache.
    """
    entry = lookup(key, cache_dir, retrain)
    if entry is not None:
        model = workdir / MODEL_NAME
        shutil.copyfile(entry["model"], model)  # the cache stays untouched whatever the run does
        origin = {name: entry.get(name) for name in ("trained_at", "commit", "dirty", "machine")}
        measures = {
            "config": entry.get("config"),
            "wall_s": entry.get("wall_s"),
            "peak_rss_mib": entry.get("peak_rss_mib"),
            "rss_samples": entry.get("rss_samples"),
            "profile": entry.get("profile"),
            "cached": True,
            "cached_from": origin,
        }
        info = {"hit": True, "key": key, **origin, "label": provenance(entry)}
        return measures, model, info
    reason = "--retrain-baseline" if retrain else "no cached model for this key"
    measures, model = train()
    info: Dict[str, Any] = {"hit": False, "key": key, "reason": reason}
    try:
        store(key, model, measures, machine, cache_dir)
        info["stored"] = True
    except OSError as error:  # the run's numbers stand; only the next run loses the cache
        print(f"    could not cache the baseline model in {cache_dir}: {error}", flush=True)
        info["stored"] = False
    return {**measures, "cached": False}, model, info
