"""The ranking: from the stored activities to explained scores, computed once per data
version and shared by every profile.

``features`` (quality counts), ``graph`` (networkx measures), ``components`` and
``skills`` (areas of the code), ``search`` (the skills index), ``authorship`` (degree
of authorship, file ownership), ``scoring`` (profiles, the ranking base, explanations),
``learning`` (the maintainer model), ``rising`` (rising people, next maintainers) and
``training`` (the examples the models learn from).

May import talent.config, talent.model, talent.names, talent.files, the store, talent.people
and each other; never the sources, sync, a view (talent.views) or an interface.
"""
