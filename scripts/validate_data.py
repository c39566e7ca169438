"""`rasa data validate`, failing on every warning except one that is expected here.

Rasa warns "The utterance 'X' is not used in any story or rule" for responses that custom actions send
(`dispatcher.utter_message(response="X")`), for form questions (`utter_ask_<slot>`) and for the responses
of Rasa's own fallback actions, none of which its validator can see. Those cases are checked here
instead; any other warning fails. (Rasa also warns that the retrieval intent `faq` is "duplicated across
domain files" because it adds it from the NLU data itself; that one is harmless.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Sent by Rasa's action_default_ask_rephrase and action_default_fallback.
RASA_DEFAULT_RESPONSES = {"utter_ask_rephrase", "utter_default"}
UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule\.")
WARNING = re.compile(r"UserWarning: (.*)")


def responses_sent_by_actions() -> set:
    """Response names that the custom actions send, or that forms ask."""
    sent = set(RASA_DEFAULT_RESPONSES)
    for module in (ROOT / "actions").glob("*.py"):
        sent |= set(re.findall(r'"(utter_[a-z_]+)"', module.read_text(encoding="utf-8")))
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for form in (domain.get("forms") or {}).values():
        sent |= {f"utter_ask_{slot}" for slot in form.get("required_slots", [])}
    return sent


def main() -> int:
    """Run the validator and report the warnings that matter."""
    rasa = Path(sys.executable).with_name("rasa")
    result = subprocess.run([str(rasa), "data", "validate"], capture_output=True, text=True, cwd=ROOT)
    output = result.stdout + result.stderr
    allowed = responses_sent_by_actions()
    problems = [
        warning
        for warning in WARNING.findall(output)
        if not (UNUSED.match(warning) and UNUSED.match(warning).group(1) in allowed)
        and "duplicated intents have been found across multiple domain files: faq" not in warning
    ]
    if result.returncode != 0 or problems:
        print(output[-4000:])
        print("\nrasa data validate found problems:" if problems else "\nrasa data validate failed.")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print(
        "rasa data validate: no problem "
        "(responses sent by custom actions and form questions are accounted for)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
