"""How to reach the centre (the answer of `action_contact`), from its configured contact details."""

from __future__ import annotations

from actions.centre_config import CentreConfig


def contact_text(config: CentreConfig, language: str) -> str:
    """Switchboard and hours when configured, otherwise the official website; care team; 15 / 112."""
    en = language == "en"
    lines = ["To speak to someone at ICM:" if en else "Pour parler à une personne de l'ICM :"]
    if config.switchboard_phone:
        lines.append(f"• {'Switchboard' if en else 'Standard'} : {config.switchboard_phone}")
        hours = config.reception_hours_en if en else config.reception_hours_fr
        if hours:
            lines.append(f"• {'Opening hours' if en else 'Horaires'} : {hours}")
    else:
        lines.append(
            f"the phone numbers are on the official website: {config.website}"
            if en
            else f"les numéros de téléphone sont sur le site officiel : {config.website}"
        )
    lines.append(
        "For a question about your care, ask your care team."
        if en
        else "Pour une question sur vos soins, adressez-vous à votre équipe soignante."
    )
    lines.append("In an emergency, call 15 or 112." if en else "En cas d'urgence, appelez le 15 ou le 112.")
    return "\n".join(lines)
