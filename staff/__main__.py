"""Reception staff CLI.

python -m staff lookup "question ou mot-clé" [--lang fr|en] [--limit 5] [--json]
python -m staff evaluate [--json]
python -m staff unanswered [--days 30] [--csv | --json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from actions.knowledge import load_knowledge
from staff.parser import ParserUnavailable, default_parser
from staff.unanswered import TrackerStoreError, iso, to_csv, unanswered

TARGET_ACCURACY = 0.95


def _lookup(args: argparse.Namespace) -> int:
    from staff.finder import Finder

    finder = Finder(default_parser())
    results = finder.find(args.question, limit=args.limit)
    sources = load_knowledge().sources
    if args.json:
        print(json.dumps([r.as_dict(sources) for r in results], ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("Aucune réponse approuvée ne correspond. Essayez d'autres mots.")
        return 1
    languages = [args.lang] if args.lang else ["fr", "en"]
    for rank, result in enumerate(results, 1):
        item = result.as_dict(sources)
        label = item["label_fr"] or item["label_en"]
        print(f"{rank}. {item['id']}" + (f" — {label}" if label else "") + f"  (score {item['score']:.2f})")
        for language in languages:
            text = item[language].replace("\n", "\n     ")
            print(f"   [{language.upper()}] {text}")
        links = "; ".join(s["title"] + (f" <{s['url']}>" if s["url"] else "") for s in item["sources"])
        print(f"   Sources : {links}\n   Relu le {item['reviewed']}\n")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from staff.evaluate import evaluate, held_out_examples
    from staff.finder import Finder

    result = evaluate(Finder(default_parser()), held_out_examples())
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(
            f"Answer finder, held-out questions (tests/nlu_test.yml): top-1 {result.correct}/{result.total}"
            f" = {result.accuracy:.1%} (target {TARGET_ACCURACY:.0%}); expected answer among the first 3:"
            f" {result.in_top3}/{result.total}"
        )
        for miss in result.misses:
            print(f"  miss: {miss['text']!r}: expected {miss['expected']}, got {', '.join(miss['found'])}")
    return 0 if result.accuracy >= TARGET_ACCURACY else 1


def _unanswered(args: argparse.Namespace) -> int:
    entries = unanswered(days=args.days)
    if args.csv:
        sys.stdout.write(to_csv(entries))
    elif args.json:
        print(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
    elif not entries:
        print(f"Aucune question sans réponse ces {args.days:g} derniers jours.")
    else:
        print(f"Questions sans réponse ces {args.days:g} derniers jours (fois, 👎, dernière fois) :")
        for e in entries:
            print(f"{e.count:4d}  {e.thumbs_down:3d}  {iso(e.last_seen)}  {e.question}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m staff", description="ICM reception staff tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    lookup = commands.add_parser("lookup", help="best approved answers for a question or a keyword")
    lookup.add_argument("question")
    lookup.add_argument("--lang", choices=["fr", "en"], help="print only this language (default: both)")
    lookup.add_argument("--limit", type=int, default=5)
    lookup.add_argument("--json", action="store_true")
    evaluation = commands.add_parser("evaluate", help="top-1 accuracy on tests/nlu_test.yml")
    evaluation.add_argument("--json", action="store_true")
    missed = commands.add_parser("unanswered", help="questions the assistant could not answer")
    missed.add_argument("--days", type=float, default=30)
    output = missed.add_mutually_exclusive_group()
    output.add_argument("--csv", action="store_true")
    output.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    handlers = {"lookup": _lookup, "evaluate": _evaluate, "unanswered": _unanswered}
    try:
        return handlers[args.command](args)
    except (ParserUnavailable, TrackerStoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
