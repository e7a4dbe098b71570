"""The configuration files the docs tell people to copy are valid, and their scripts do what the
docs say (run here against a fake `gh` and a fake GitLab API)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jsonschema
import pytest
import yaml

from drizzle_repo import DrizzleRepo, git

ROOT = Path(__file__).resolve().parent.parent
GITLAB_CI_SCHEMA = (
    "gitlab.com/gitlab-org/gitlab/-/raw/master/app/assets/javascripts/editor/schema/ci.json"
)


def yaml_blocks(doc: str) -> list[object]:
    text = (ROOT / doc).read_text()
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def github_workflow() -> dict[str, Any]:
    github = yaml_blocks("docs/ci.md")[0]
    assert isinstance(github, dict)
    github["on"] = github.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    return github


def github_steps() -> dict[str, dict[str, Any]]:
    """The workflow's steps by id, or by name when they have none."""
    steps = github_workflow()["jobs"]["migration-lint"]["steps"]
    return {
        step.get("id") or step.get("name") or step.get("uses") or step["run"]: step
        for step in steps
    }


def gitlab_job() -> dict[str, Any]:
    gitlab = yaml_blocks("docs/ci.md")[1]
    assert isinstance(gitlab, dict)
    job: dict[str, Any] = gitlab["migration-lint"]
    return job


def test_github_workflow_in_docs_is_a_valid_workflow(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    github = github_workflow()
    jsonschema.Draft7Validator(schemastore("github-workflow.json")).validate(github)
    steps = github["jobs"]["migration-lint"]["steps"]
    assert any("migration-lint ci" in step.get("run", "") for step in steps)


def test_gitlab_job_in_docs_is_a_valid_job(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    gitlab = yaml_blocks("docs/ci.md")[1]
    jsonschema.Draft7Validator(schemastore(GITLAB_CI_SCHEMA)).validate(gitlab)
    job = gitlab_job()
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality.json"
    assert any("migration-lint ci" in line for line in job["script"])


def test_github_workflow_uses_current_action_majors() -> None:
    uses = {
        step["uses"].split("@")[0]: step["uses"].split("@")[1]
        for step in github_steps().values()
        if "uses" in step
    }
    assert uses == {
        "actions/checkout": "v7",
        "actions/setup-python": "v7",
        "github/codeql-action/upload-sarif": "v4",
    }


def test_github_workflow_runs_once_per_pull_request() -> None:
    concurrency = github_workflow()["concurrency"]
    assert "${{ github.event.pull_request.number }}" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is True


def test_github_approval_is_decided_from_events_not_from_the_label() -> None:
    steps = github_steps()
    approval = steps["approval"]
    assert approval["continue-on-error"] is True  # GitHub unreachable: not approved
    assert "/timeline" in approval["run"] and "/runs" in approval["run"]
    assert steps["gate"]["env"] == {
        "MIGRATION_LINT_APPROVED": "${{ steps.approval.outputs.approved == 'true' }}"
    }
    # The label in the event payload decides nothing but whether to try removing it.
    for name, step in steps.items():
        if "pull_request.labels" in json.dumps(step):
            assert name == "A new push needs a new approval" and step["continue-on-error"] is True
    assert "json:migration-lint.json" in steps["gate"]["run"]
    assert ".summary.migrations" in steps["Create or update the PR comment"]["run"]


def test_docs_pin_no_tag_the_repository_lacks() -> None:
    tags = set(
        subprocess.run(
            ["git", "tag"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text()
        pins = re.findall(r"^\s*rev: (\S+)", text, re.MULTILINE)
        pins += re.findall(r"git\+https://\S+?/migration-lint@([^\s\"]+)", text)
        for pin in pins:
            assert pin.startswith("<") or pin in tags, f"{doc.name} pins {pin}"
        for distribution in re.findall(r'pip install "(\S+) @ git\+', text):
            assert distribution in ("pg-migration-lint", "pg-migration-lint[db]"), doc.name


def test_pre_commit_hooks_file_is_valid(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    jsonschema.Draft7Validator(schemastore("pre-commit-hooks.json")).validate(hooks)
    assert {hook["id"] for hook in hooks} == {
        "migration-lint",
        "migration-lint-require-migration",
        "migration-lint-naming",
    }


def test_pre_commit_config_in_docs_names_the_hooks(schemastore: Callable[[str], dict]) -> None:  # type: ignore[type-arg]
    (config,) = [b for b in yaml_blocks("docs/workflow.md") if isinstance(b, dict) and "repos" in b]
    jsonschema.Draft7Validator(schemastore("pre-commit-config.json")).validate(config)
    assert [hook["id"] for hook in config["repos"][0]["hooks"]] == [
        "migration-lint-require-migration",
        "migration-lint-naming",
        "migration-lint",
    ]


# The scripts of the GitHub workflow, run with a fake `gh` that answers from canned API responses
# (through the real jq, as gh's --jq does) and logs every call.

FAKE_GH = """
import json, os, subprocess, sys

args = sys.argv[1:]
with open(os.environ["FAKE_GH_LOG"], "a") as log:
    log.write(json.dumps(args) + "\\n")
failing = os.environ.get("FAKE_GH_FAIL")
if failing and any(failing in arg for arg in args):
    sys.exit("gh: HTTP 502")
if args[0] != "api":
    sys.exit(0)  # gh pr edit / gh pr comment: logged only
path, jq, method, params, rest = None, None, "GET", {}, args[1:]
while rest:
    arg, rest = rest[0], rest[1:]
    if arg in ("--jq", "-q"):
        jq, rest = rest[0], rest[1:]
    elif arg in ("--method", "-X"):
        method, rest = rest[0], rest[1:]
    elif arg in ("-f", "-F", "--raw-field", "--field"):
        key, value = rest[0].split("=", 1)
        params[key], rest = value, rest[1:]
    elif arg != "--paginate":
        path = arg
if method != "GET":
    sys.exit(0)
data = json.load(open(os.environ["FAKE_GH_RESPONSES"]))[path]
if path.endswith("/runs"):  # GitHub filters runs by these query parameters
    data = {"workflow_runs": [run for run in data["workflow_runs"]
            if run["event"] == params.get("event") and run["head_branch"] == params.get("branch")]}
text = json.dumps(data)
if jq is not None:
    text = subprocess.run(["jq", "-r", jq], input=text, capture_output=True, text=True, check=True).stdout
sys.stdout.write(text)
"""

REPO, PR, BRANCH, FORK = "acme/shop", "7", "add-prefs", "acme/shop"
API = f"repos/{REPO}"


@pytest.fixture
def fake_gh(
    tmp_path: Path,
) -> Callable[..., tuple[subprocess.CompletedProcess[str], list[list[str]], str]]:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f"#!{sys.executable}\n{FAKE_GH}")
    gh.chmod(0o755)

    def run(
        step: str,
        responses: dict[str, Any],
        env: dict[str, str] | None = None,
        cwd: Path = tmp_path,
    ) -> tuple[subprocess.CompletedProcess[str], list[list[str]], str]:
        (tmp_path / "responses.json").write_text(json.dumps(responses))
        log, output = tmp_path / "gh.log", tmp_path / "github_output"
        log.write_text("")
        output.write_text("")
        environment = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_GH_LOG": str(log),
            "FAKE_GH_RESPONSES": str(tmp_path / "responses.json"),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/migrations.yml@refs/pull/{PR}/merge",
            "GH_TOKEN": "token",
            "PR": PR,
            "HEAD_REF": BRANCH,
            "HEAD_REPO": FORK,
            **(env or {}),
        }
        # GitHub runs a step's script with `bash -e` (the default shell).
        steps = github_steps()
        script = steps[step]["run"] if step in steps else step
        result = subprocess.run(
            ["bash", "-e", "-c", script],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
        )
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        return result, calls, output.read_text()

    return run


def at(minute: int) -> str:
    return f"2026-11-24T10:{minute:02d}:00Z"


def run(minute: int, sha: str, repo: str = FORK, branch: str = BRANCH) -> dict[str, Any]:
    return {
        "created_at": at(minute),
        "head_sha": sha,
        "event": "pull_request",
        "head_branch": branch,
        "head_repository": {"full_name": repo},
    }


def labeled(minute: int, name: str = "migrations-approved") -> dict[str, Any]:
    return {
        "event": "labeled",
        "created_at": at(minute),
        "label": {"name": name, "color": "0e8a16"},
    }


def force_pushed(minute: int) -> dict[str, Any]:
    return {"event": "head_ref_force_pushed", "created_at": at(minute)}


def github_api(
    runs: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    labels: tuple[str, ...] = ("migrations-approved",),
) -> dict[str, Any]:
    return {
        f"{API}/issues/{PR}/labels": [{"name": name} for name in labels],
        f"{API}/issues/{PR}/timeline": [{"event": "committed", "sha": "a1"}, *timeline],
        f"{API}/actions/workflows/migrations.yml/runs": {"workflow_runs": runs},
    }


APPROVALS = [
    pytest.param([run(1, "a1"), run(5, "b2")], [labeled(8)], "b2", True, id="label-after-the-push"),
    pytest.param(
        [run(1, "a1"), run(5, "b2"), run(9, "b2")],
        [labeled(8)],
        "b2",
        True,
        id="a-later-run-on-the-same-head",
    ),
    pytest.param(
        [run(1, "a1"), run(5, "b2")], [labeled(3)], "b2", False, id="stale-label-removal-failed"
    ),
    pytest.param([run(1, "a1")], [labeled(3)], "a1", True, id="first-head"),
    pytest.param(
        [run(1, "a1"), run(5, "b2")], [labeled(8, "bug")], "b2", False, id="another-label-added"
    ),
    pytest.param(
        [run(1, "b2"), run(5, "a1"), run(9, "b2")],
        [labeled(7)],
        "b2",
        False,
        id="force-pushed-back-to-an-older-head",
    ),
    pytest.param(
        [run(1, "b2")], [labeled(7), force_pushed(9)], "b2", False, id="force-push-without-a-run"
    ),
    pytest.param(
        [run(1, "b2", repo="mallory/shop"), run(5, "b2")],
        [labeled(3)],
        "b2",
        False,
        id="same-branch-name-in-another-fork",
    ),
    pytest.param(
        [run(1, "b2", branch="other"), run(5, "b2")], [labeled(3)], "b2", False, id="another-branch"
    ),
    pytest.param([], [labeled(3)], "b2", False, id="no-run-for-the-head"),
]


@pytest.mark.parametrize(("runs", "timeline", "head", "approved"), APPROVALS)
def test_github_approval_counts_only_for_the_head_it_was_given_on(
    fake_gh: Callable[..., Any],
    runs: list[dict[str, Any]],
    timeline: list[dict[str, Any]],
    head: str,
    approved: bool,
) -> None:
    result, calls, output = fake_gh("approval", github_api(runs, timeline), {"HEAD_SHA": head})
    assert result.returncode == 0, result.stderr
    assert output == f"approved={str(approved).lower()}\n", result.stdout + result.stderr
    (runs_call,) = [call for call in calls if any(arg.endswith("/runs") for arg in call)]
    assert f"branch={BRANCH}" in runs_call and "event=pull_request" in runs_call


def test_github_approval_needs_the_label_on_the_pull_request_now(
    fake_gh: Callable[..., Any],
) -> None:
    api = github_api([run(1, "b2")], [labeled(3)], labels=("bug",))
    _, calls, output = fake_gh("approval", api, {"HEAD_SHA": "b2"})
    assert output == "approved=false\n"
    assert len(calls) == 1  # the label is gone: nothing else to ask


@pytest.mark.parametrize("failing", ["/labels", "/timeline", "/runs"])
def test_github_approval_is_not_given_when_github_cannot_be_asked(
    fake_gh: Callable[..., Any], failing: str
) -> None:
    api = github_api([run(1, "b2")], [labeled(3)])
    _, _, output = fake_gh("approval", api, {"HEAD_SHA": "b2", "FAKE_GH_FAIL": failing})
    # Either approved=false, or the step fails before saying anything: the gate reads not 'true'.
    assert output in ("approved=false\n", "")


COMMENT = "<!-- migration-lint:pull-request-comment -->\n## migration-lint: pass\n"


@pytest.mark.parametrize(
    ("existing", "migrations", "expected"),
    [
        pytest.param(True, 0, "update", id="existing-comment-updated-without-migrations"),
        pytest.param(True, 2, "update", id="existing-comment-updated"),
        pytest.param(False, 2, "create", id="new-comment-when-migrations-change"),
        pytest.param(False, 0, "none", id="no-new-comment-without-migrations"),
    ],
)
def test_github_comment_only_when_migrations_change(
    fake_gh: Callable[..., Any], tmp_path: Path, existing: bool, migrations: int, expected: str
) -> None:
    (tmp_path / "comment.md").write_text(COMMENT)
    summary = {"gate": "pass", "migrations": migrations, "exit_code": 0}
    (tmp_path / "migration-lint.json").write_text(
        json.dumps({"diagnostics": [], "summary": summary})
    )
    comments = [{"id": 11, "body": "LGTM"}]
    if existing:
        comments.append({"id": 12, "body": COMMENT})
    result, calls, _ = fake_gh(
        "Create or update the PR comment", {f"{API}/issues/{PR}/comments": comments}
    )
    assert result.returncode == 0, result.stderr
    patched = [call for call in calls if "PATCH" in call]
    created = [call for call in calls if call[:2] == ["pr", "comment"]]
    assert patched == (
        [["api", "--method", "PATCH", f"{API}/issues/comments/12", "-F", "body=@comment.md"]]
        if expected == "update"
        else []
    )
    assert created == (
        [["pr", "comment", PR, "--body-file", "comment.md"]] if expected == "create" else []
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            "migration", [["pr", "comment", PR, "--body-file", "comment.md"]], id="migration"
        ),
        pytest.param("readme", [], id="no-migration"),
    ],
)
def test_github_comment_decision_reads_the_real_ci_json(
    fake_gh: Callable[..., Any], tmp_path: Path, change: str, expected: list[list[str]]
) -> None:
    """The summary field the comment step reads is the one `migration-lint ci` writes."""
    repo = DrizzleRepo(tmp_path / "app", "drizzle")
    git(repo.path, "checkout", "-q", "-b", "feature")
    if change == "migration":
        repo.add_migration("0002_user_name", 'ALTER TABLE "users" ADD COLUMN "name" text;\n')
    else:
        repo.write("README.md", "# app\n")
    repo.commit("change")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GITHUB_BASE_REF", "MIGRATION_LINT_APPROVED")
    }
    subprocess.run(
        [
            str(Path(sys.executable).parent / "migration-lint"),
            "ci",
            "--base",
            "main",
            "--output",
            "markdown:comment.md",
            "--output",
            "json:migration-lint.json",
        ],
        cwd=repo.path,
        env=env,
        capture_output=True,
        check=True,
    )
    step = github_steps()["Create or update the PR comment"]["run"]
    result, calls, _ = fake_gh(step, {f"{API}/issues/{PR}/comments": []}, cwd=repo.path)
    assert result.returncode == 0, result.stderr
    assert [call for call in calls if call[0] == "pr"] == expected


# The GitLab job's scripts, run against a fake GitLab API on localhost.


class FakeGitLab(BaseHTTPRequestHandler):
    state: dict[str, Any]

    def log_message(self, *args: object) -> None:
        pass

    def respond(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        query = parse_qs(url.query)
        mr = "/api/v4/projects/5/merge_requests/9"
        assert self.headers["PRIVATE-TOKEN"] == "secret"
        if url.path == mr:
            self.respond({"iid": 9, "labels": self.state["labels"]})
            return
        items = self.state[url.path.removeprefix(mr + "/")]
        if items is None:  # this endpoint is down
            self.send_error(502)
            return
        page, per_page = int(query["page"][0]), int(query["per_page"][0])
        self.respond(items[(page - 1) * per_page : page * per_page])

    def write(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.state["writes"].append((self.command, urlparse(self.path).path, body))
        self.respond({})

    do_PUT = do_POST = write


@pytest.fixture
def gitlab(
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[subprocess.CompletedProcess[str], dict[str, Any]]]]:
    state: dict[str, Any] = {}
    handler = type("Handler", (FakeGitLab,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def run_item(
        marker: str, after: str = "", **api: Any
    ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        state.clear()
        state.update(
            {"labels": [], "resource_label_events": [], "versions": [], "notes": [], "writes": []}
        )
        state.update(api)
        (item,) = [line for line in gitlab_job()["script"] if marker in line]
        env = {
            **os.environ,
            "CI_API_V4_URL": f"http://127.0.0.1:{server.server_address[1]}/api/v4",
            "CI_PROJECT_ID": "5",
            "CI_MERGE_REQUEST_IID": "9",
            "CI_COMMIT_SHA": "b2",
            "MIGRATION_LINT_TOKEN": "secret",
        }
        env.pop("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", None)
        # The GitLab runner runs the script items in one bash with errexit.
        result = subprocess.run(
            ["bash", "-e", "-c", item + after],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        return result, state

    yield run_item
    server.shutdown()
    server.server_close()


def label_event(
    minute: int, action: str = "add", name: str = "migrations-approved"
) -> dict[str, Any]:
    return {
        "id": minute,
        "action": action,
        "created_at": f"2026-11-24T10:{minute:02d}:00.000Z",
        "label": {"name": name},
    }


def version(minute: int, sha: str) -> dict[str, Any]:
    return {
        "id": minute,
        "head_commit_sha": sha,
        "created_at": f"2026-11-24T10:{minute:02d}:00.000Z",
    }


APPROVE = "MIGRATION_LINT_APPROVED"
PRINT_APPROVED = '\nprintf "%s" "$MIGRATION_LINT_APPROVED"'
REMOVAL = ("PUT", "/api/v4/projects/5/merge_requests/9", "remove_labels=migrations-approved")


@pytest.mark.parametrize(
    ("events", "versions", "labels", "approved", "removed"),
    [
        pytest.param(
            [label_event(8)],
            [version(5, "b2"), version(1, "a1")],
            ["migrations-approved"],
            "true",
            False,
            id="label-after-the-push",
        ),
        pytest.param(
            [label_event(3)],
            [version(5, "b2"), version(1, "a1")],
            ["migrations-approved"],
            "false",
            True,
            id="stale-label-removed",
        ),
        pytest.param(
            [label_event(3), label_event(4, "remove"), label_event(8, name="bug")],
            [version(5, "b2")],
            ["migrations-approved", "bug"],
            "false",
            True,
            id="another-label-added",
        ),
        pytest.param(
            [label_event(8)], [version(5, "b2")], ["bug"], "false", False, id="label-gone"
        ),
        pytest.param(
            [label_event(8)],
            [version(1, "a1")],
            ["migrations-approved"],
            "false",
            False,
            id="push-not-recorded-yet",
        ),
        pytest.param(
            [label_event(1, name="bug")] * 150 + [label_event(8)],
            [version(5, "b2")],
            ["migrations-approved"],
            "true",
            False,
            id="latest-add-on-the-second-page",
        ),
    ],
)
def test_gitlab_approval_counts_only_for_the_head_it_was_given_on(
    gitlab: Callable[..., Any],
    events: list[Any],
    versions: list[Any],
    labels: list[str],
    approved: str,
    removed: bool,
) -> None:
    result, state = gitlab(
        APPROVE, PRINT_APPROVED, labels=labels, resource_label_events=events, versions=versions
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == approved, result.stderr
    assert (REMOVAL in state["writes"]) is removed, state["writes"]


def test_gitlab_approval_is_false_when_the_api_fails(gitlab: Callable[..., Any]) -> None:
    result, _ = gitlab(APPROVE, PRINT_APPROVED, labels=["migrations-approved"], versions=None)
    assert result.returncode == 0 and result.stdout == "", result.stderr


@pytest.mark.parametrize(
    ("existing", "migrations", "expected"),
    [
        pytest.param(True, 0, "PUT", id="existing-note-updated"),
        pytest.param(False, 3, "POST", id="new-note-when-migrations-change"),
        pytest.param(False, 0, None, id="no-new-note-without-migrations"),
    ],
)
def test_gitlab_note_only_when_migrations_change(
    gitlab: Callable[..., Any],
    tmp_path: Path,
    existing: bool,
    migrations: int,
    expected: str | None,
) -> None:
    (tmp_path / "comment.md").write_text(COMMENT)
    summary = {"gate": "pass", "migrations": migrations}
    (tmp_path / "migration-lint.json").write_text(
        json.dumps({"diagnostics": [], "summary": summary})
    )
    notes = [{"id": n, "body": f"note {n}"} for n in range(1, 121)]
    if existing:
        notes.append({"id": 121, "body": COMMENT})
    result, state = gitlab("One note per merge request", notes=notes)
    assert result.returncode == 0, result.stderr
    writes = [(method, path) for method, path, _ in state["writes"]]
    notes_url = "/api/v4/projects/5/merge_requests/9/notes"
    assert (
        writes
        == {"PUT": [("PUT", f"{notes_url}/121")], "POST": [("POST", notes_url)], None: []}[expected]
    )
    if expected:
        assert json.loads(state["writes"][0][2]) == {"body": COMMENT}


def test_the_scheduled_drift_workflow_in_docs_is_valid_and_keeps_secrets_in_variables(
    schemastore: Callable[[str], dict],  # type: ignore[type-arg]
) -> None:
    import tomllib

    (workflow,) = yaml_blocks("docs/compare.md")
    assert isinstance(workflow, dict)
    workflow["on"] = workflow.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub does not
    jsonschema.Draft7Validator(schemastore("github-workflow.json")).validate(workflow)
    assert workflow["on"]["schedule"][0]["cron"]
    steps = workflow["jobs"]["drift"]["steps"]
    (drift,) = [step for step in steps if "migration-lint drift" in step.get("run", "")]
    assert "--all" in drift["run"] and "--notify SLACK_WEBHOOK_URL" in drift["run"]
    # Secrets reach the command as the variables the config names, never on its command line.
    assert "secrets." not in drift["run"]
    assert drift["env"] == {name: f"${{{{ secrets.{name} }}}}" for name in drift["env"]}
    (config,) = re.findall(r"```toml\n(.*?)```", (ROOT / "docs/compare.md").read_text(), re.DOTALL)
    environments = tomllib.loads(config)["environments"].values()
    named = {e if isinstance(e, str) else e["url"] for e in environments}
    assert named | {"SLACK_WEBHOOK_URL"} == set(drift["env"])
    # The same actions as the pull request workflow's.
    uses = {step["uses"] for step in steps if "uses" in step}
    assert uses <= {step["uses"] for step in github_steps().values() if "uses" in step}
