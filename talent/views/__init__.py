"""What users read, built from the ranking: ``maintainers`` (ownership, bus factors,
drift, next maintainers) and ``stewardship`` (its report over a store), ``network``,
``pipeline`` (shortlists, stages, ATS marks), ``digest``, ``outreach``, ``audit`` (the
acts behind a number), ``access`` (roles: who may open what), ``evaluate`` (rankings
against known maintainers) and ``export`` (formula-safe CSV and JSON).

May import everything on their left: talent.config, talent.model, talent.names,
talent.files, the sources' parsers, the store, talent.people, talent.ranking, and each
other; never sync, mining, the schedule, the cli or the ui.
"""
