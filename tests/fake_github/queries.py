"""The GraphQL query the miner sends, as text (the miner keeps its own copy of it).

One request returns up to ``$first`` (at most 100) pull requests of a repository, most
recently updated first, with their sizes and up to 100 reviews each; ``rateLimit`` reports
what the call cost. ``tests/test_fake_github.py`` validates it against GitHub's published
schema (``@octokit/graphql-schema``), and the fake answers it by operation name.

Review ids come from ``fullDatabaseId`` (a BigInt, serialised as a JSON string) because
``PullRequestReview.databaseId`` is deprecated in GitHub's schema.

Note: GraphQL names app bots without the ``[bot]`` suffix REST uses (``dependabot`` vs
``dependabot[bot]``) and gives ``author: null`` for deleted accounts (REST: ``ghost``).
"""

PULL_REQUESTS_OPERATION = "TalentPullRequests"

PULL_REQUESTS_QUERY = """\
query TalentPullRequests($owner: String!, $name: String!, $cursor: String, $first: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        number
        title
        url
        state
        createdAt
        updatedAt
        closedAt
        mergedAt
        additions
        deletions
        changedFiles
        author {
          ...TalentActor
        }
        mergedBy {
          ...TalentActor
        }
        reviews(first: 100) {
          totalCount
          nodes {
            fullDatabaseId
            author {
              ...TalentActor
            }
            state
            submittedAt
            url
          }
        }
      }
    }
  }
  rateLimit {
    cost
    remaining
    resetAt
  }
}

fragment TalentActor on Actor {
  __typename
  login
  ... on User {
    databaseId
  }
  ... on Bot {
    databaseId
  }
}
"""
