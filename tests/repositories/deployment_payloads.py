"""deployment_status payloads shaped like GitHub's documented example (octokit/webhooks
payload-examples/api.github.com/deployment_status): the status nested under
"deployment_status", the deployment (with its SHA) under "deployment", the creator a
user, and the optional workflow keys GitHub Actions adds."""

from tests.repositories.payloads import _with_variant, repository, user

SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"


def deployment_status(
    state: str = "success",
    *,
    sha: str = SHA,
    environment: str | None = "production",
    deployment_environment: str = "production",
    created_at: str = "2019-05-15T15:20:55Z",
    description: str | None = None,
    full_name: str = "Codertocat/Hello-World",
    status_id: int = 209916254,
    deployment_id: int = 145988746,
    variant: str = "",
) -> dict:
    """environment=None leaves the status's environment out, as older payloads did."""
    api = f"https://api.github.com/repos/{full_name}"
    deployment_url = f"{api}/deployments/{deployment_id}"
    status = {
        "url": f"{deployment_url}/statuses/{status_id}",
        "id": status_id,
        "node_id": "MDE2OkRlcGxveW1lbnRTdGF0dXMyMDk5MTYyNTQ=",
        "state": state,
        "creator": user(),
        "description": "",
        "environment": environment,
        "target_url": "",
        "created_at": created_at,
        "updated_at": created_at,
        "deployment_url": deployment_url,
        "repository_url": api,
        "environment_url": "",
        "log_url": f"https://github.com/{full_name}/actions/runs/{deployment_id}",
        "performed_via_github_app": None,
    }
    if environment is None:
        del status["environment"]
    payload = {
        "action": "created",
        "deployment_status": status,
        "deployment": {
            "url": deployment_url,
            "id": deployment_id,
            "node_id": "MDEwOkRlcGxveW1lbnQxNDU5ODg3NDY=",
            "sha": sha,
            "ref": "master",
            "task": "deploy",
            "payload": {},
            "original_environment": deployment_environment,
            "environment": deployment_environment,
            "description": description,
            "creator": user(),
            "created_at": "2019-05-15T15:20:53Z",
            "updated_at": created_at,
            "statuses_url": f"{deployment_url}/statuses",
            "repository_url": api,
            "transient_environment": False,
            "production_environment": deployment_environment == "production",
            "performed_via_github_app": None,
        },
        "repository": repository(full_name),
        "sender": user(),
    }
    return _with_variant(payload, variant)
