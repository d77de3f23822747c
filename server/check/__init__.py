"""``switchboard check <provider>/<model>``: know a model works under Claude
Code before relying on it (issue 18 §2).

* ``shapes``  Claude Code's tool schemas and system prompt, trimmed
* ``run``     the checks (one card each), the token estimate and budget
* ``store``   results kept per provider/model with the date
* ``cli``     the command: estimate, run, cards or ``--json``
"""
