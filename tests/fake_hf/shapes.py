"""The Hub's JSON shapes for the records of ``world.py``.

Where each shape was checked (no real data is copied here):

* Repository listings and info: huggingface_hub 2.4.0 ``ModelInfo``/``DatasetInfo``/
  ``SpaceInfo`` (``hf_api.py``: the keys they read) and huggingface.js
  ``packages/hub/src/types/api/api-model.ts`` (``ApiModelInfo``). The default listing item
  of a model (``_id, id, likes, trendingScore, private, downloads, tags, pipeline_tag,
  library_name, createdAt, modelId``) matches live responses quoted in public notes
  (``allenai/olmOCR-7B-0225-preview``). With ``expand`` the Hub answers ``_id``, ``id`` and
  the expanded properties only. ``baseModels`` is ``{relation, models: [{_id, id}]}`` and
  ``childrenModelCount`` is ``{adapter, merge, quantized, finetune}`` (live answers quoted in
  public notes for ``microsoft/Phi-3.5-mini-instruct`` and ``John6666/...``).
* Commits: huggingface.js ``api-commit.ts`` ``ApiCommitData`` (``id, title, message,
  authors: [{user, avatar}], date``) and ``HfApi.list_repo_commits``.
* Discussions: ``HfApi.get_repo_discussions``/``get_discussion_details`` and
  ``community.deserialize_event``; the full keys of a list item, of the details and of each
  event type follow live ``openai-community/gpt2`` answers quoted in a third-party Rust
  client's tests, and the comment ``data`` keys the Hub's OpenAPI-generated ``pyhfapi``
  (``DiscussionAddCommentResponse``: ``edited, hidden, hiddenBy, latest{raw, html,
  updatedAt, author}, numEdits, editors, editorAvatarUrls, reactions[{reaction, users,
  count}], identifiedLanguage, isReport``).
* Members: ``pyhfapi`` ``OrganizationListMembersResponseItem`` (``_id, avatarUrl,
  fullname, isPro, type: "user", user``). Overview: ``huggingface_hub.User`` and the columns
  of a public crawl of ``/api/users/{u}/overview`` (no social links among them). Whoami:
  huggingface.js ``api-who-am-i.ts``.
"""

from __future__ import annotations

from typing import Any

from .world import Commit as _Commit
from .world import Discussion as _Discussion
from .world import Event as _Event
from .world import HubWorld, Repo, User, iso

# The expandable properties huggingface_hub 2.4.0 knows per type (ExpandModelProperty_T,
# ExpandDatasetProperty_T, ExpandSpaceProperty_T). Any other value is a 400, like the Hub;
# the ones the world does not model are simply absent from the answer.
EXPAND = {
    "model": frozenset(
        "author baseModels cardData childrenModelCount config createdAt disabled downloads "
        "downloadsAllTime evalResults gated gguf inference inferenceProviderMapping "
        "lastModified library_name likes mask_token model-index pipeline_tag private "
        "resourceGroup safetensors sha siblings spaces tags transformersInfo trendingScore "
        "usedStorage widgetData".split()
    ),
    "dataset": frozenset(
        "author cardData citation createdAt description disabled downloads downloadsAllTime "
        "gated lastModified likes mainSize paperswithcode_id private resourceGroup sha "
        "siblings tags trendingScore usedStorage".split()
    ),
    "space": frozenset(
        "author cardData createdAt datasets disabled lastModified likes models private region "
        "resourceGroup runtime sdk sha siblings subdomain tags trendingScore "
        "usedStorage".split()
    ),
}

HIDDEN_TEXT = "This comment has been hidden"


def repo_path(repo: Repo) -> str:
    """The repository's web path: ``ns/name``, ``datasets/ns/name``, ``spaces/ns/name``."""
    return repo.repo_id if repo.type == "model" else f"{repo.type}s/{repo.repo_id}"


def expanded(world: HubWorld, repo: Repo, name: str) -> tuple[bool, Any]:
    """``(present, value)`` of one expandable property of ``repo``."""
    simple = {
        "author": repo.namespace,
        "cardData": repo.card_data,
        "createdAt": iso(repo.created_at),
        "lastModified": iso(repo.last_modified),
        "likes": repo.likes,
        "downloads": repo.downloads,
        "downloadsAllTime": repo.downloads_all_time,
        "trendingScore": repo.trending_score,
        "tags": list(repo.tags),
        "sha": repo.sha,
        "private": repo.private,
        "gated": repo.gated,
        "disabled": repo.disabled,
        "siblings": [{"rfilename": f} for f in repo.siblings],
        "usedStorage": 4096 * (len(repo.siblings) + len(repo.commits)),
    }
    if name in simple:
        return True, simple[name]
    if repo.type == "model":
        if name == "pipeline_tag" and repo.pipeline_tag:
            return True, repo.pipeline_tag
        if name == "library_name" and repo.library_name:
            return True, repo.library_name
        if name == "childrenModelCount":
            return True, world.children_count(repo)
        if name == "baseModels" and repo.bases:
            models = [{"_id": b.id, "id": b.repo_id} for b in repo.bases]
            return True, {"relation": repo.relation, "models": models}
        if name == "spaces":
            return True, []
    if repo.type == "dataset" and name == "description":
        return True, repo.description
    if repo.type == "space":
        if name == "sdk":
            return True, repo.sdk
        if name == "runtime":
            return True, _runtime()
        if name in ("models", "datasets"):
            return True, []
    return False, None


def listing_item(world: HubWorld, repo: Repo, *, expand: list[str], full: bool, card: bool) -> dict:
    """One item of ``/api/{type}s``: expanded, full or the default shape."""
    item: dict[str, Any] = {"_id": repo.id, "id": repo.repo_id}
    if expand:
        for name in expand:
            present, value = expanded(world, repo, name)
            if present:
                item[name] = value
        return item
    if repo.type == "model":
        item.update(likes=repo.likes, trendingScore=repo.trending_score, private=repo.private)
        item.update(downloads=repo.downloads, tags=list(repo.tags))
        if repo.pipeline_tag:
            item["pipeline_tag"] = repo.pipeline_tag
        if repo.library_name:
            item["library_name"] = repo.library_name
        item["createdAt"] = iso(repo.created_at)
        item["modelId"] = repo.repo_id
    elif repo.type == "dataset":
        item.update(author=repo.namespace, disabled=repo.disabled, gated=repo.gated)
        item.update(lastModified=iso(repo.last_modified), likes=repo.likes)
        item.update(trendingScore=repo.trending_score, private=repo.private, sha=repo.sha)
        item.update(description=repo.description, downloads=repo.downloads)
        item.update(tags=list(repo.tags), createdAt=iso(repo.created_at), key="")
    else:
        item.update(likes=repo.likes, trendingScore=repo.trending_score, private=repo.private)
        item.update(sdk=repo.sdk, tags=list(repo.tags), createdAt=iso(repo.created_at))
    if full:
        item.update(author=repo.namespace, sha=repo.sha, lastModified=iso(repo.last_modified))
        item.update(gated=repo.gated, disabled=repo.disabled)
        item["siblings"] = [{"rfilename": f} for f in repo.siblings]
    if card or (full and repo.card_data):
        item["cardData"] = repo.card_data
    return item


def repo_info(world: HubWorld, repo: Repo, *, expand: list[str]) -> dict:
    """``/api/{type}s/{ns}/{name}``."""
    if expand:
        return listing_item(world, repo, expand=expand, full=False, card=False)
    info: dict[str, Any] = {
        "_id": repo.id,
        "id": repo.repo_id,
        "author": repo.namespace,
        "sha": repo.sha,
        "lastModified": iso(repo.last_modified),
        "private": repo.private,
        "gated": repo.gated,
        "disabled": repo.disabled,
        "likes": repo.likes,
        "tags": list(repo.tags),
    }
    if repo.type == "model":
        info["downloads"] = repo.downloads
        if repo.pipeline_tag:
            info["pipeline_tag"] = repo.pipeline_tag
        if repo.library_name:
            info["library_name"] = repo.library_name
        info.update(modelId=repo.repo_id, spaces=[])
    elif repo.type == "dataset":
        info.update(downloads=repo.downloads, description=repo.description)
        info["paperswithcode_id"] = None
    else:
        subdomain = f"{repo.namespace}-{repo.name}".lower().replace(".", "-")
        info.update(sdk=repo.sdk, subdomain=subdomain, runtime=_runtime(), models=[])
        info.update(datasets=[], host=f"https://{subdomain}.hf.space")
    info.update(cardData=repo.card_data, siblings=[{"rfilename": f} for f in repo.siblings])
    info.update(createdAt=iso(repo.created_at), usedStorage=expanded(world, repo, "usedStorage")[1])
    return info


def _runtime() -> dict:
    return {
        "stage": "RUNNING",
        "hardware": {"current": "cpu-basic", "requested": "cpu-basic"},
        "storage": None,
        "replicas": {"current": 1, "requested": 1},
    }


def commit(c: _Commit, *, formatted: bool) -> dict:
    """An item of ``/commits/{rev}``."""
    item: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "message": c.message,
        "authors": [{"user": a.name, "avatar": a.avatar_url} for a in c.authors],
        "date": iso(c.date),
    }
    if formatted:
        item["formatted"] = {"title": _html(c.title), "message": _html(c.message)}
    return item


def _html(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<p>{escaped}</p>\n" if escaped else ""


def person(u: User) -> dict:
    """A discussion author (list item, details, ``latest.author``)."""
    return {
        "_id": u.id,
        "avatarUrl": u.avatar_url,
        "fullname": u.fullname,
        "name": u.name,
        "type": "user",
        "isPro": u.is_pro,
        "isHf": False,
        "isHfAdmin": False,
        "isMod": False,
        "followerCount": u.followers,
        "isUserFollowing": False,
    }


def _event_author(world: HubWorld, repo: Repo, u: User) -> dict:
    in_org = repo.namespace == world.org.name
    owner = (in_org and u.role == "admin") or (not in_org and u.name == repo.namespace)
    return {**person(u), "isOwner": owner, "isOrgMember": in_org and u.member}


def _with_author(item: dict, u: User, render) -> dict:
    # A deleted user's items carry no "author" key (huggingface_hub reads "deleted").
    if not u.deleted:
        item["author"] = render(u)
    return item


def _repo_owner(world: HubWorld, d: _Discussion) -> dict:
    repo = d.repo
    in_org = repo.namespace == world.org.name
    return {
        "name": repo.namespace,
        "isParticipating": False,
        "type": "org" if in_org else "user",
        "isDiscussionAuthor": d.author.name == repo.namespace,
    }


def _reactions(event: _Event) -> list[dict]:
    return [
        {"reaction": emoji, "users": [u.name for u in fans], "count": len(fans)}
        for emoji, fans in event.data.get("reactions", {}).items()
    ]


def discussion_item(world: HubWorld, d: _Discussion) -> dict:
    """An item of ``/discussions``."""
    opening = d.events[0] if d.events else None
    top = sorted(_reactions(opening), key=lambda r: -r["count"]) if opening else []
    item: dict[str, Any] = {"num": d.num}
    _with_author(item, d.author, person)
    item.update(
        repo={"name": d.repo.repo_id, "type": d.repo.type},
        title=d.title,
        status=d.status,
        createdAt=iso(d.created_at),
        isPullRequest=d.is_pull_request,
        numComments=d.num_comments,
        topReactions=[{"reaction": r["reaction"], "count": r["count"]} for r in top],
        numReactionUsers=len({u for r in top for u in r["users"]}),
        pinned=d.pinned,
        repoOwner=_repo_owner(world, d),
    )
    return item


def event(world: HubWorld, d: _Discussion, e: _Event) -> dict:
    """One item of a discussion's ``events``."""
    item: dict[str, Any] = {"id": e.id}
    _with_author(item, e.author, lambda u: _event_author(world, d.repo, u))
    item.update(createdAt=iso(e.created_at), type=e.type)
    if e.type == "comment":
        data = e.data
        hidden = data["hidden"]
        raw = HIDDEN_TEXT if hidden else data["raw"]
        latest: dict[str, Any] = {
            "raw": raw,
            "html": raw if hidden else _html(raw),
            "updatedAt": iso(data["updated_at"]),
        }
        _with_author(latest, data["editor"], person)
        body: dict[str, Any] = {"edited": data["edited"], "hidden": hidden}
        if hidden:
            body["hiddenBy"] = data["hidden_by"].name
        editors = [u for u in data["editors"] if not u.deleted]
        body.update(
            latest=latest,
            numEdits=data["edits"],
            editors=[u.name for u in editors],
            editorAvatarUrls=[u.avatar_url for u in editors],
            reactions=_reactions(e),
            identifiedLanguage={"language": "en", "probability": 0.93},
            isReport=False,
        )
        item["data"] = body
    else:
        item["data"] = dict(e.data)
    return item


def discussion_details(world: HubWorld, d: _Discussion, *, base_url: str, diff: bool) -> dict:
    """``/discussions/{num}`` (``diff`` adds the pull request's diff, as ``?diff=1``)."""
    repo = d.repo
    item: dict[str, Any] = {"num": d.num}
    _with_author(item, d.author, person)
    if repo.namespace == world.org.name:
        org = world.org
        item["org"] = {
            "avatarUrl": org.avatar_url,
            "fullname": org.fullname,
            "name": org.name,
            "type": "org",
            "isHf": False,
        }
    item.update(
        repo={"name": repo.repo_id, "type": repo.type},
        title=d.title,
        status=d.status,
        createdAt=iso(d.created_at),
        pinned=d.pinned,
        locked=False,
        collection="discussions",
        isPullRequest=d.is_pull_request,
    )
    if d.is_pull_request:
        changes: dict[str, Any] = {"base": "refs/heads/main"}
        if d.merge_commit_id:
            changes["mergeCommitId"] = d.merge_commit_id
        item.update(changes=changes, filesWithConflicts=[])
        item["diffUrl"] = f"{base_url}/{repo_path(repo)}/discussions/{d.num}/files.diff"
        if diff:
            item["diff"] = d.diff
    item["events"] = [event(world, d, e) for e in d.events]
    return item


def liker(u: User) -> dict:
    """An item of ``/likers``."""
    return {
        "_id": u.id,
        "user": u.name,
        "fullname": u.fullname,
        "avatarUrl": u.avatar_url,
        "type": "user",
        "isPro": u.is_pro,
    }


def member(u: User) -> dict:
    """An item of ``/api/organizations/{org}/members``."""
    return {**liker(u), "isFollowing": False}


def _org_entry(world: HubWorld) -> dict:
    org = world.org
    return {"id": org.id, "name": org.name, "fullname": org.fullname, "avatarUrl": org.avatar_url}


def overview(world: HubWorld, u: User) -> dict:
    """``/api/users/{user}/overview``; the counts are what the world holds about ``u``."""
    public = [r for r in world.repos if not r.private and r.namespace == u.name]
    discussions = sum(
        1 for r in world.repos for d in r.discussions if d.author is u and not r.private
    )
    likes = sum(1 for r in world.repos if not r.private and u in r.likers)
    item: dict[str, Any] = {
        "_id": u.id,
        "avatarUrl": u.avatar_url,
        "fullname": u.fullname,
        "user": u.name,
        "type": "user",
        "isPro": u.is_pro,
    }
    if u.details:
        item["details"] = u.details
    item.update(
        numModels=sum(1 for r in public if r.type == "model"),
        numDatasets=sum(1 for r in public if r.type == "dataset"),
        numSpaces=sum(1 for r in public if r.type == "space"),
        numDiscussions=discussions,
        numPapers=u.papers,
        numUpvotes=u.upvotes,
        numLikes=likes,
        numFollowers=u.followers,
        numFollowing=u.following,
        orgs=[_org_entry(world)] if u.member else [],
        isFollowing=False,
        createdAt=iso(u.created_at),
    )
    return item


def whoami(world: HubWorld, u: User, created: str) -> dict:
    """``/api/whoami-v2`` for a user token."""
    orgs = []
    if u.member:
        org = world.org
        orgs.append(
            {
                "type": "org",
                "id": org.id,
                "name": org.name,
                "fullname": org.fullname,
                "email": None,
                "canPay": False,
                "periodEnd": None,
                "avatarUrl": org.avatar_url,
                "roleInOrg": u.role,
                "isEnterprise": False,
            }
        )
    return {
        "type": "user",
        "id": u.id,
        "name": u.name,
        "fullname": u.fullname,
        "email": f"{u.name.lower()}@example.org",
        "emailVerified": True,
        "canPay": False,
        "periodEnd": None,
        "isPro": u.is_pro,
        "avatarUrl": u.avatar_url,
        "orgs": orgs,
        "auth": {
            "type": "access_token",
            "accessToken": {"displayName": "talent", "role": "read", "createdAt": created},
        },
    }
