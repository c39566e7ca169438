"""Reception's command line for callback requests.

    python -m actions.reception list [--all] [--json]
    python -m actions.reception close ID [--json]

Reads the action server's database (ICM_ACTIONS_DB_URL, default var/actions.db).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from actions import store

SLOT_LABELS = {"morning": "matin", "afternoon": "après-midi", "any": "indifférent"}


def _table(rows: List[dict]) -> str:
    if not rows:
        return "Aucune demande de rappel en attente."
    lines = [f"{'n°':>4}  {'reçue le (UTC)':<20} {'téléphone':<16} {'créneau':<12} langue  statut"]
    for row in rows:
        lines.append(
            f"{row['id']:>4}  {row['created_at'][:16].replace('T', ' '):<20} {row['phone']:<16} "
            f"{SLOT_LABELS.get(row['time_slot'], row['time_slot']):<12} {row['language']:<7} {row['status']}"
        )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m actions.reception", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="callback requests still open (oldest first)")
    listing.add_argument("--all", action="store_true", help="include closed requests")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    closing = commands.add_parser("close", help="mark a request as handled")
    closing.add_argument("id", type=int, help="request number shown by `list`")
    closing.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)

    if args.command == "list":
        rows = store.list_callbacks(include_closed=args.all)
        print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json else _table(rows))
        return 0
    closed = store.close_callback(args.id)
    if args.json:
        print(json.dumps({"id": args.id, "closed": closed}))
    elif closed:
        print(f"Demande n°{args.id} clôturée.")
    else:
        print(f"Aucune demande ouverte n°{args.id} : vérifiez le numéro avec `list --all`.", file=sys.stderr)
    return 0 if closed else 1


if __name__ == "__main__":
    sys.exit(main())
