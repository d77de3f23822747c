"""Usage and cost, kept (issue 15).

* ``history``   one row per request in SQLite (WAL), written by a background thread
* ``recorder``  the hook in the request path: a few attribute reads, one queue append
* ``prices``    the shipped price table (``prices.json``) and the config's overrides
* ``settings``  the ``usage`` and ``prices`` sections of switchboard.json
* ``query``     read-only totals for the CLI, the settings page, the tray and the status line
* ``budget``    daily / monthly limits: 80 % and 100 % notices, optional route switch
* ``service``   ties them to a running gateway
* ``cli``       ``switchboard usage`` and ``switchboard statusline``
"""
