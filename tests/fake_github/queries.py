"""The GraphQL query the miner sends (``talent.sources.github.PULL_REQUESTS_QUERY``).

One request returns up to ``$first`` (at most 100) pull requests of a repository, most
recently updated first, with their sizes and up to 100 reviews each; ``rateLimit`` reports
what the call cost. ``tests/test_fake_github.py`` validates it against GitHub's published
schema (``@octokit/graphql-schema``), and the fake answers it by operation name.

Review ids come from ``fullDatabaseId`` (a BigInt, serialised as a JSON string) because
``PullRequestReview.databaseId`` is deprecated in GitHub's schema.

Note: GraphQL names app bots without the ``[bot]`` suffix REST uses (``dependabot`` vs
``dependabot[bot]``) and gives ``author: null`` for deleted accounts (REST: ``ghost``).
"""

from talent.sources.github import PULL_REQUESTS_QUERY as _MINER_QUERY

PULL_REQUESTS_OPERATION = "TalentPullRequests"

# The miner's own query: the fake answers it, and tests/test_fake_github.py validates it
# against GitHub's published schema.
PULL_REQUESTS_QUERY = _MINER_QUERY
