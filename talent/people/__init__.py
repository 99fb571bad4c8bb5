"""People: who is behind the raw identities the sources saw, and what they asked for.

``identity`` turns identities into people (bots and automation, evidence, overrides,
owner-file names matched to people) from ``activity``'s digest of the acts (counts and
times grouped in the database), ``affiliation`` finds organisations and employment
periods, ``privacy`` keeps opt-outs, purges and a subject's copy, and ``accesslog``
records who was shown to whom (which an opt-out and a subject's copy reach).

May import talent.config, talent.model, talent.names, talent.files, the store and each
other; never the sources, sync, the ranking, the views or an interface.
"""
