"""The benchmark harness (bench/) on a tiny scale, so that `make bench` does not rot between runs.

Real HTTP against the floor server on 127.0.0.1; no Rasa server (too slow here) and no timed assertion.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench import baseline_cache, configs, report, scoring, serving, training_profile, turn_profile
from bench.docs import publish
from bench.loadgen import CONVERSATION_TURNS, Cell
from bench.plot import latency_plot
from bench.servers import floor_server
from bench.stats import percentile, summarize

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    with floor_server(tmp_path_factory.mktemp("floor")) as server:
        yield server


def test_load_generator_against_the_floor_server(floor, tmp_path):
    cells = [Cell("faq", "Quelles sont les valeurs de l'ICM ?", 1, 5), Cell("faq", "bonjour", 3, 12)]
    results = serving.run_load(floor, cells, tmp_path, "smoke ")  # its own process, like in `make bench`
    assert [r["concurrency"] for r in results] == [1, 3]
    for cell, result in zip(cells, results):
        assert result["successes"] == cell.requests, result["first_error"]
        assert result["errors"] == 0
        assert result["warmup_errors"] == 0
        assert result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
        assert result["messages_per_s"] > 0
        assert result["sample_reply"]


def test_a_virtual_user_starts_a_new_conversation_after_conversation_turns_messages(floor, tmp_path):
    requests = 2 * CONVERSATION_TURNS + 3  # 9 timed turns after each untimed first message
    [result] = serving.run_load(floor, [Cell("faq", "bonjour", 1, requests)], tmp_path, "smoke ")
    assert result["successes"] == requests, result["first_error"]
    assert result["new_conversations"] == 2
    # (That they count in the throughput is checked by test_summary_of_a_cell: against the floor the cell
    # lasts a few milliseconds, too short for its rounded wall time to give the message count back.)


def test_percentile_of_a_known_list():
    values = list(range(1, 101))
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1 and percentile(values, 100) == 100
    assert percentile([50, 15, 40, 20, 35], 40) == pytest.approx(29.0)  # order does not matter
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summary_of_a_cell():
    summary = summarize([0.010, 0.020, 0.030, 0.040], errors=1, wall_s=0.5)
    assert summary["requests"] == 5 and summary["successes"] == 4
    assert summary["messages_per_s"] == pytest.approx(8.0)
    assert summary["p50_ms"] == pytest.approx(25.0)
    with_untimed = summarize([0.010, 0.020, 0.030, 0.040], errors=0, wall_s=0.5, unmeasured_ok=1)
    assert with_untimed["messages_per_s"] == pytest.approx(10.0) and with_untimed["successes"] == 4


def _parse(intent, ranking=(), topic="", selector="faq"):
    parsed = {"intent": {"name": intent, "confidence": 0.9}, "intent_ranking": list(ranking)}
    if topic:
        parsed["response_selector"] = {
            "all_retrieval_intents": ["faq"] if selector == "faq" else [],
            selector: {"response": {"intent_response_key": f"faq/{topic}"}},
        }
    return parsed


def test_scoring_reads_a_selector_trained_without_retrieval_intent_under_default():
    """The baseline's ResponseSelector (no `retrieval_intent`) answers under the "default" key."""
    messages = [
        scoring.Labelled("ald ?", "faq", "faq/ald"),
        scoring.Labelled("frais ?", "faq", "faq/extra_fees"),
    ]
    parses = [_parse("faq", topic="ald", selector="default") for _ in messages]
    assert scoring.score(messages, parses)["response_selection"]["accuracy"] == 0.5


def test_scoring_counts_fallbacks_then_scores_the_intent_under_them(tmp_path):
    messages = [
        scoring.Labelled("yo", "greet"),
        scoring.Labelled("ald ?", "faq", "faq/ald"),
        scoring.Labelled("dépassements ?", "faq", "faq/extra_fees"),
        scoring.Labelled("au revoir", "goodbye"),
    ]
    fallback = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}]
    parses = [
        _parse("nlu_fallback", fallback),
        _parse("faq", topic="ald"),
        _parse("faq", topic="ald"),
        _parse("greet"),
    ]
    scores = scoring.score(messages, parses)
    assert scores["fallback"] == {"rate": 0.25, "fallbacks": 1, "messages": 4}
    assert scores["intents"]["accuracy"] == 0.75 and scores["intents"]["examples"] == 4
    # macro-F1 over gold and predicted labels, as rasa test nlu: greet 2/3, faq 1, goodbye 0.
    assert scores["intents"]["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3, abs=1e-4)
    topics = scores["response_selection"]
    assert topics == {"accuracy": 0.5, "macro_f1": pytest.approx(1 / 3, abs=1e-4), "examples": 2}
    gold, predicted = scores["pairs"]["intent"]
    png = scoring.confusion_matrix_png(gold, predicted, "Intent confusion matrix", tmp_path / "i.png")
    assert png.stat().st_size > 0
    with pytest.raises(ValueError, match="one parse per message"):
        scoring.score(messages, parses[:3])


def _cell(kind, concurrency, p50, p95, p99, rate):
    return {
        "kind": kind,
        "message": "m",
        "concurrency": concurrency,
        "requests": 10,
        "successes": 10,
        "errors": 0,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "messages_per_s": rate,
    }


def _results():
    return {
        "quick": True,
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:05:00+00:00",
        "duration_s": 300.0,
        "machine": {
            "cores": 2,
            "cpu_model": "Test CPU",
            "ram_gib": 4.0,
            "python": "3.11.7",
            "packages": {"rasa": "3.6.21", "sanic": "21.12.2", "aiohttp": "3.9.5"},
            "git": {"commit": "0123456789abcdef", "dirty": False},
            "load_average_at_start": {"1m": 0.5},
        },
        "load_average_at_end": {"1m": 0.7},
        "training": {},
        "serving": {
            "ours": {
                "cells": [_cell("faq", 1, 40.0, 55.0, 70.0, 20.0), _cell("faq", 2, 60.0, 90.0, 95.0, 30.0)],
                "rss_mib": {"after_warmup": {"rasa": 900.0}, "after_load": {"rasa": 1400.0}},
            },
            "floor": {
                "cells": [_cell("faq", 1, 1.0, 2.0, 3.0, 500.0), _cell("faq", 2, 1.5, 2.5, 3.5, 700.0)],
                "rss_mib": {"after_warmup": {"floor": 45.0}, "after_load": {"floor": 46.0}},
            },
        },
        "quality": {"cross_validation": {"status": "not measured (run make eval)"}},
        "phases": {"floor load": 2.0},
    }


def test_report_writer_produces_json_markdown_and_plot(tmp_path):
    results = _results()
    results["plot"] = latency_plot(results, tmp_path / report.PLOT_NAME).name
    paths = report.write(results, tmp_path)

    written = json.loads(paths["json"].read_text())
    assert written["quick"] is True
    targets = {row["target"]: row["status"] for row in written["targets"]}
    assert targets["FAQ turn p95 at concurrency 1 ≤ 60 ms"] == "✓"
    assert targets["FAQ turn p95 at concurrency 1 ≤ 2.5 × the floor's"] == "✗"
    assert targets["Rasa server RSS ≤ 1.3 GB"] == "✗"
    assert targets["full training ≤ 4 min"] == "–"

    markdown = paths["markdown"].read_text()
    assert markdown.startswith("# Benchmarks")
    assert "| ours | faq | 1 | 10/10 | 40.0 | 55.0 | 70.0 | 20.0 | 27.5 × |" in markdown
    assert "Missed: FAQ turn p95 at concurrency 1 ≤ 2.5 × the floor's; Rasa server RSS ≤ 1.3 GB." in markdown
    assert "not measured (run make eval)" in markdown
    assert f"]({report.PLOT_NAME})" in markdown
    assert (tmp_path / report.PLOT_NAME).stat().st_size > 0


def test_docs_publish_refuses_a_quick_run_and_copies_a_full_one(tmp_path):
    reports, docs = tmp_path / "reports", tmp_path / "docs"
    with pytest.raises(RuntimeError, match="run `make bench` first"):
        publish(reports, docs)
    results = _results()
    reports.mkdir()
    results["plot"] = latency_plot(results, reports / report.PLOT_NAME).name
    report.write(results, reports)
    with pytest.raises(RuntimeError, match="quick smoke run"):
        publish(reports, docs)
    page = publish(reports, docs, allow_quick=True).read_text()
    assert "commit `0123456789`" in page and "# Benchmarks" in page
    assert (docs / "benchmarks-latency.png").exists()


def test_baseline_keeps_our_policies():
    configs.check_same_policies()


def _project(root):
    """A fake project: a baseline config, a domain and data/ with a nested file (nothing is trained)."""
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.baseline.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "data" / "nlu.yml").write_text("nlu: []\n")
    (root / "data" / "nlu" / "faq.yml").write_text("nlu:\n- intent: greet\n")
    return root


def _key(root, rasa="3.6.21"):
    return baseline_cache.cache_key(root / "config.baseline.yml", root / "domain.yml", root / "data", rasa)


def test_baseline_cache_key_changes_with_its_inputs_only(tmp_path):
    root = _project(tmp_path)
    key = _key(root)
    assert len(key) == 64 and key == _key(root)
    (root / "data" / "nlu" / "faq.yml").touch()  # a new mtime, the same contents
    assert _key(root) == key

    faq = root / "data" / "nlu" / "faq.yml"
    faq.write_text("nlu:\n- intent: goodbye\n")
    assert _key(root) != key
    faq.write_text("nlu:\n- intent: greet\n")
    assert _key(root) == key  # back to the same contents, back to the same key

    (root / "data" / "rules.yml").write_text("rules: []\n")
    assert _key(root) != key
    (root / "data" / "rules.yml").unlink()
    faq.rename(root / "data" / "nlu" / "faq2.yml")
    assert _key(root) != key  # a renamed file
    (root / "data" / "nlu" / "faq2.yml").rename(faq)
    assert _key(root) == key

    assert _key(root, rasa="3.6.20") != key
    (root / "domain.yml").write_text("intents: [greet, goodbye]\n")
    assert _key(root) != key
    (root / "domain.yml").write_text("intents: [greet]\n")
    (root / "config.baseline.yml").write_text("pipeline: [{name: WhitespaceTokenizer}]\n")
    assert _key(root) != key


MACHINE = {"cores": 2, "cpu_model": "Test CPU", "git": {"commit": "0123456789abcdef", "dirty": False}}


def test_baseline_cache_trains_on_a_miss_and_reuses_on_a_hit(tmp_path):
    cache, calls = tmp_path / "cache", []

    def fake_train(workdir):
        def train():
            calls.append(workdir)
            model = workdir / "baseline.tar.gz"
            model.write_bytes(b"model %d" % len(calls))
            return {"config": "bench/config.baseline.yml", "wall_s": 1200.0, "peak_rss_mib": 900.0}, model

        return train

    def obtain(run, key="k1", retrain=False):
        workdir = tmp_path / run
        workdir.mkdir()
        return baseline_cache.baseline_model(key, fake_train(workdir), workdir, MACHINE, cache, retrain)

    # Empty cache: trained, then stored with its measures and provenance.
    measures, model, info = obtain("run1")
    assert len(calls) == 1 and info["hit"] is False and info["stored"] is True
    assert measures["cached"] is False and measures["wall_s"] == 1200.0
    meta = json.loads((cache / baseline_cache.META_NAME).read_text())
    assert meta["key"] == "k1" and meta["wall_s"] == 1200.0 and meta["peak_rss_mib"] == 900.0
    assert meta["commit"] == "0123456789abcdef" and meta["trained_at"]
    assert meta["machine"] == {"cores": 2, "cpu_model": "Test CPU"}

    # Same key: nothing trained, the cached model and measures, labelled as cached.
    measures, model, info = obtain("run2")
    assert len(calls) == 1 and info["hit"] is True
    assert model == tmp_path / "run2" / baseline_cache.MODEL_NAME and model.read_bytes() == b"model 1"
    assert measures["cached"] is True and measures["wall_s"] == 1200.0 and measures["peak_rss_mib"] == 900.0
    assert measures["cached_from"]["commit"] == "0123456789abcdef"
    assert info["label"].startswith(f"cached from {meta['trained_at']}, commit 0123456789")

    # --retrain-baseline, another key, or a damaged cached model: a miss, trained and cached again.
    obtain("run3", retrain=True)
    assert len(calls) == 2
    _, _, info = obtain("run4", key="k2")
    assert len(calls) == 3 and info["hit"] is False
    assert baseline_cache.lookup("k1", cache) is None and baseline_cache.lookup("k2", cache) is not None
    (cache / baseline_cache.MODEL_NAME).write_bytes(b"truncated")
    assert baseline_cache.lookup("k2", cache) is None
    (cache / baseline_cache.META_NAME).write_text("{not json")
    assert baseline_cache.lookup("k2", cache) is None


def test_report_labels_a_cached_baseline_and_shows_the_run_time(tmp_path):
    results = _results()
    results["quick"] = False
    origin = {"trained_at": "2025-12-31T10:00:00+00:00", "commit": "fedcba9876543210", "dirty": False}
    origin["machine"] = {"cores": 2, "cpu_model": "Test CPU"}
    results["training"] = {
        "ours": {"config": "config.yml", "wall_s": 200.0, "peak_rss_mib": 1000.0, "cached": False},
        "baseline": {
            "config": "bench/config.baseline.yml",
            "wall_s": 1200.0,
            "peak_rss_mib": 900.0,
            "cached": True,
            "cached_from": origin,
        },
    }
    results["baseline_training_cached"] = True
    results["baseline_cache"] = {
        "hit": True,
        "key": "k",
        **origin,
        "label": baseline_cache.provenance(origin),
    }
    results["phases"] = {"train ours": 200.0, "train baseline": 1.0, "floor load": 2.0}
    paths = report.write(results, tmp_path)

    written = json.loads(paths["json"].read_text())
    assert written["baseline_training_cached"] is True
    assert written["training"]["baseline"]["cached_from"]["commit"] == "fedcba9876543210"
    markdown = paths["markdown"].read_text()
    label = "cached from 2025-12-31T10:00:00+00:00, commit fedcba9876"
    assert f"| baseline | `bench/config.baseline.yml` | 20.0 min | 900 MiB | **{label}" in markdown
    assert "| ours | `config.yml` | 3.3 min | 1000 MiB | this run |" in markdown
    assert "Baseline model reused, not trained in this run" in markdown
    assert "| train baseline (cached model reused, not trained) | 1 s | 0.3 % |" in markdown
    assert "Total wall time of the run: 5.0 min (budget 15 min)." in markdown
    assert "| other (start-up, action server, logs, report files) | 97 s | 32.3 % |" in markdown
    assert "| **total** | **300 s (5.0 min)** | 100.0 % |" in markdown


def test_the_baseline_cache_lives_outside_the_clone_so_a_fresh_clone_reuses_it(monkeypatch, tmp_path):
    monkeypatch.delenv("ICM_BENCH_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert baseline_cache._cache_dir() == tmp_path / "xdg" / "icm-assistant" / "bench-baseline"
    monkeypatch.setenv("ICM_BENCH_CACHE", str(tmp_path / "chosen"))
    assert baseline_cache._cache_dir() == tmp_path / "chosen"


TRAIN_LOG = """\
2026-11-29 08:21:17 INFO     rasa.cli.train  - Started validating domain and training data...
2026-11-29 08:21:33 INFO     rasa.engine.training.hooks  - Starting to train component 'TEDPolicy'.
Epochs: 100%|##########| 40/40 [00:26<00:00,  1.49it/s]\r
2026-11-29 08:22:03 INFO     rasa.engine.training.hooks  - Finished training component 'TEDPolicy'.
2026-11-29 08:22:40 INFO     rasa.engine.training.hooks  - Starting to train component 'DIETClassifier'.
2026-11-29 08:25:40 INFO     rasa.engine.training.hooks  - Finished training component 'DIETClassifier'.
"""


def test_training_profile_says_where_the_training_time_goes(tmp_path):
    log = tmp_path / "train-ours.log"
    log.write_text(TRAIN_LOG)
    started_at = dt.datetime(2026, 11, 29, 8, 21, 10).timestamp()
    stages = {s["stage"]: s["seconds"] for s in training_profile.profile(log, 300.0, started_at)}
    assert stages == {
        "start-up, data validation, graph building": 23.0,
        "training TEDPolicy": 30.0,
        "processing the training data before DIETClassifier": 37.0,
        "training DIETClassifier": 180.0,
        "writing the model archive": 30.0,
    }
    results = {"training": {"ours": {"config": "config.yml", "wall_s": 300.0, "peak_rss_mib": 1.0}}}
    results["training"]["ours"]["profile"] = training_profile.profile(log, 300.0, started_at)
    text = "\n".join(report._training(results))
    assert "| training DIETClassifier | 180 s | 60.0 % |" in text
    assert training_profile.profile(tmp_path / "missing.log", 1.0) is None


def test_turn_profile_names_components_and_the_report_shows_where_an_faq_turn_goes():
    assert turn_profile.component_name("run_DIETClassifier6") == "DIETClassifier"
    assert turn_profile.component_name("run_components.safety_net.SafetyNet12") == "SafetyNet"
    timer = turn_profile.NodeTimer()
    started = timer.on_before_node("run_SpacyNLP0", None, {}, {})
    timer.on_after_node("run_SpacyNLP0", None, {}, None, started)
    assert set(timer.seconds) == {"SpacyNLP"} and timer.seconds["SpacyNLP"] >= 0
    turn = {
        "message": "Quelles sont les valeurs de l'ICM ?",
        "turns": 40,
        "conversation_turns": 10,
        "warmup_turns": 5,
        "mean_turn_ms": 200.0,
        "long_conversation_first_10_turns_mean_ms": 120.0,
        "long_conversation_last_10_turns_mean_ms": 280.0,
        "parts_ms": [{"part": "action server round trips", "ms": 80.0}, {"part": "TEDPolicy", "ms": 50.0}],
    }
    text = "\n".join(report._turn_profile({"turn_profile": turn}))
    assert "| action server round trips | 80.0 ms | 40.0 % |" in text
    assert "in conversations of 10 messages" in text
    growth = "in one conversation of 40 turns, 120 ms on average for the first 10, 280 ms for the last 10"
    assert growth in text
    assert report._turn_profile({}) == []
