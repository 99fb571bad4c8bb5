"""Sources: fetch and parse, one module per source (``git``, ``github``, ``hf``,
``owners`` for owner files, ``demo``), each yielding batches of records since a watermark
(``base``). A source never touches the store: sync saves what it yields.

May import talent.config, talent.model, talent.names, talent.files and each other only.
"""
