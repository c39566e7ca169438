"""One fold (or a few) of the 5-fold cross-validation, in about 7 minutes a fold instead of 17.

`rasa test nlu --cross-validation` (`make eval`) also scores every training example of every fold,
which takes most of its time. This script trains on the same kind of stratified 80 % split (fixed
seed, so two runs compare two pipelines or two data sets on the same split of the same data), scores
only the held-back 20 %, and scores it like Rasa does (bench/scoring.py): a FallbackClassifier
prediction is undone so that the intent underneath is what counts, macro-F1 is over the gold and
predicted labels. Use it to judge a change quickly; report `make eval`.

    .venv/bin/python scripts/cv_fold.py --folds 0 --out reports/cv-fold [--config config.yml]

New examples change the split. To judge them on the same held-back examples, split the old data and
add the new examples to every fold's training: `--data <old data dir> --extra <new examples.yml>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOLDS = 5
SEED = 0


def _split(data: Any) -> List[Any]:
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    labels = [example.get_full_intent() for example in examples]
    return list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(examples, labels))


def _training_file(data: Any, indices: Any, path: Path, extra: Optional[List[Any]] = None) -> Path:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    train = TrainingData(
        training_examples=[data.intent_examples[i] for i in indices] + list(extra or []),
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
        responses=data.responses,
    )
    RasaYAMLWriter().dump(path, train)
    return path


async def score_examples(processor: Any, examples: List[Any]) -> Dict[str, Any]:
    """Parse every example with `processor` and score the parses as `rasa test nlu` does (bench.scoring)."""
    from rasa.core.channels import UserMessage

    from bench.scoring import labelled, score

    messages = labelled(examples)
    parses = [
        await processor.parse_message(UserMessage(message.text), only_output_properties=False)
        for message in messages
    ]
    scores = score(messages, parses)
    intents, topics = scores["intents"], scores["response_selection"] or {}
    return {
        "intent_accuracy": intents["accuracy"],
        "intent_macro_f1": intents["macro_f1"],
        "faq_topic_accuracy": topics.get("accuracy"),
        "faq_topic_macro_f1": topics.get("macro_f1"),
        "test_examples": intents["examples"],
        "errors": scores["errors"],
    }


def run_fold(
    data: Any, fold: int, config: Path, out: Path, extra: Optional[List[Any]] = None
) -> Dict[str, Any]:
    """Train on the other folds of `data` (plus `extra` examples), score fold `fold`.

    Writes <out>/fold<fold>.json and returns it."""
    import rasa.model_training
    from rasa.core.agent import Agent

    train_indices, test_indices = _split(data)[fold]
    started = time.monotonic()
    extra = list(extra or [])
    print(f"==> fold {fold}: training on {len(train_indices) + len(extra)} examples ({config})", flush=True)
    training_file = _training_file(data, train_indices, out / f"train-fold{fold}.yml", extra)
    model = rasa.model_training.train_nlu(
        str(config), str(training_file), str(out), fixed_model_name=f"fold{fold}"
    )
    trained = time.monotonic()
    print(f"==> fold {fold}: scoring {len(test_indices)} held-back examples", flush=True)
    processor = Agent.load(model).processor
    result = asyncio.run(score_examples(processor, [data.intent_examples[i] for i in test_indices]))
    result.update(
        fold=fold,
        config=str(config),
        train_s=round(trained - started),
        score_s=round(time.monotonic() - trained),
    )
    (out / f"fold{fold}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", default="0", help="comma-separated fold numbers, 0 to 4 (default 0)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "cv-fold")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="the data split into folds")
    parser.add_argument(
        "--extra",
        type=Path,
        nargs="*",
        default=[],
        help="NLU files added to every fold's training, never scored: judges new examples on the same "
        "held-back examples as a run without them",
    )
    args = parser.parse_args(argv)
    folds = [int(f) for f in args.folds.split(",")]
    if any(f not in range(FOLDS) for f in folds):
        parser.error(f"Folds are numbered 0 to {FOLDS - 1}; got {args.folds}.")
    from rasa.shared.importers.importer import TrainingDataImporter

    args.out.mkdir(parents=True, exist_ok=True)
    data = TrainingDataImporter.load_from_dict(training_data_paths=[str(args.data)]).get_nlu_data()
    extra = []
    for path in args.extra:
        importer = TrainingDataImporter.load_from_dict(training_data_paths=[str(path)])
        extra += importer.get_nlu_data().intent_examples
    for fold in folds:
        result = run_fold(data, fold, args.config, args.out, extra)
        print(
            f"fold {fold}: intents {result['intent_accuracy']:.3f} "
            f"/ macro-F1 {result['intent_macro_f1']:.3f}, "
            f"FAQ topics {result['faq_topic_accuracy']:.3f} / {result['faq_topic_macro_f1']:.3f} "
            f"(train {result['train_s']} s, score {result['score_s']} s)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
