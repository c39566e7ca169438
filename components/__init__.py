"""Custom Rasa NLU components of the ICM assistant.

Every Rasa process that trains or loads our pipeline (`rasa train`, `rasa run`, `rasa test`, `rasa shell`)
imports this package when it reads config.yml, before any component runs: the place to install the fixes of
Rasa's costs (rasa_fixes/; same results). The tracker store installs them too, for servers of other configs.
"""

import rasa_fixes

rasa_fixes.install()
