"""A hostile repository's schemas, rules, config and kustomizations (../shared/cases/hardening).

S01 S02 S04 S05 S08 S09 S10 S11, R16 R19 R20 R27, copied here: no network ever, nothing read
outside the repository, no option injection, and every bad input a finding or a clean exit 2.
"""

from __future__ import annotations

import http.server
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubelint.message_template import TemplateError, check, render
from kubelint.schema_compile import SchemaCompileError, compile_schema, foreign_refs
from tests.conftest import run_cli
from tests.helpers import CANARY, PRIVILEGED, install_dist, run_kubelint

RULE_HEAD = """\
id: {id}
summary: s
category: custom
severity: error
default: true
target: {target}
why: w
remediation: r
"""


def rule(directory: Path, rid: str, body: str, target: str = "object") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{rid}.yaml"
    path.write_text(RULE_HEAD.format(id=rid, target=target) + body)
    return path


class _Server:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                body = b'{"type": "object"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    try:
        yield srv
    finally:
        srv.close()


def crd_with_remote_ref(url: str) -> str:
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.example.com}}
spec:
  group: example.com
  names: {{kind: Gadget, plural: gadgets}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            $defs: {{x: {{$ref: "{url}/from-crd.json"}}}}
            properties:
              size: {{$ref: "{url}/size.json"}}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {{name: g}}
spec: {{a: 1}}
"""


def test_a_hostile_tree_makes_no_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: _Server
) -> None:
    """Remote $refs in a CRD and in custom rules, remote kustomize resources and bases:
    the server on 127.0.0.1 receives no request at all."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "crd.yaml").write_text(crd_with_remote_ref(server.url))
    app = tmp_path / "app"
    app.mkdir()
    (app / "pod.yaml").write_text(CANARY)
    (app / "kustomization.yaml").write_text(
        f"resources:\n- pod.yaml\n- {server.url}/remote-resource.yaml\n"
    )
    git_app = tmp_path / "app-git"
    git_app.mkdir()
    (git_app / "kustomization.yaml").write_text(
        f"resources:\n- git::{server.url}/org/repo.git//base\n"
    )
    nested = tmp_path / "overlay"
    nested.mkdir()
    (nested / "kustomization.yaml").write_text("resources:\n- ../app-git\n")
    policies = tmp_path / "policies"
    rule(
        policies,
        "remote-ref",
        f'schema:\n  properties:\n    metadata: {{$ref: "{server.url}/s.json"}}\n',
    )
    monkeypatch.chdir(tmp_path)

    run = run_cli("lint", ".", "--kustomize-auto", "--format", "json")
    assert run.exit_code == 2  # the remote kustomizations are errors; the rest is linted
    assert 'resources entry "git::http://127.0.0.1:' in run.stderr
    assert "app/kustomization.yaml:3:3: resources entry" in run.stderr
    assert "app-git/kustomization.yaml:2:3: resources entry" in run.stderr
    assert "--kustomize-allow-remote" in run.stderr
    found = {(f["file"], f["rule"]) for f in run.json()["findings"]}
    assert ("crd.yaml", "unknown-field") in found  # `$defs` is not a CRD schema keyword

    run = run_cli("lint", "--kustomize", "overlay", "--format", "json")
    assert run.exit_code == 2
    assert "app-git/kustomization.yaml:2:3" in run.stderr  # found through the local base

    run = run_cli("lint", "crd.yaml", "--rules-dir", "policies")
    assert run.exit_code == 2
    assert f'$ref "{server.url}/s.json" at /properties/metadata/$ref is not a local' in run.stderr
    assert server.requests == []


def test_custom_rule_file_and_params_refs_are_catalogue_errors(tmp_path: Path) -> None:  # S02
    secret = tmp_path / "secret.json"
    secret.write_text('{"enum": ["SECRET-FROM-A-LOCAL-FILE"]}')
    app = tmp_path / "app.yaml"
    app.write_text(CANARY)
    file_ref = tmp_path / "file-ref"
    rule(
        file_ref, "file-ref", f'schema:\n  properties:\n    metadata: {{$ref: "file://{secret}"}}\n'
    )
    run = run_cli("lint", str(app), "--rules-dir", str(file_ref))
    assert run.exit_code == 2
    assert "file-ref.yaml: invalid JSON Schema in rule (schema): $ref" in run.stderr
    assert f"file://{secret}" in run.stderr and "SECRET" not in run.stderr + run.stdout
    params = tmp_path / "params"
    body = (
        'check: latest_tag\nparams:\n  type: object\n  properties:\n    x: {$ref: "other.json"}\n'
    )
    rule(params, "remote-params", body, target="container")
    run = run_cli("lint", str(app), "--rules-dir", str(params))
    assert run.exit_code == 2
    assert 'invalid JSON Schema in rule (params): $ref "other.json"' in run.stderr


def test_local_refs_still_work(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    body = (
        "message: '{kind} \"{name}\" needs a team label'\n"
        "schema:\n"
        "  $defs: {team: {required: [team]}}\n"
        "  properties:\n"
        "    metadata: {properties: {labels: {$ref: '#/$defs/team'}}, required: [labels]}\n"
    )
    rule(policies, "team-label", body)
    app = tmp_path / "app.yaml"
    app.write_text(CANARY.replace("  name: canary\n", "  name: canary\n  labels: {app: x}\n"))
    run = run_cli("lint", str(app), "--rules-dir", str(policies), "--only", "team-label")
    assert run.exit_code == 1, run.stderr
    assert 'error team-label Pod "canary" needs a team label' in run.stdout


def test_schema_compile_refuses_every_foreign_reference() -> None:
    schema = {
        "properties": {
            "$ref": {"type": "string"},  # a property named "$ref" is data, not a reference
            "a": {"$ref": "#/$defs/a"},
            "b": {"items": [{"$ref": "https://example.com/b.json"}]},
            "c": {"$dynamicRef": "c.json#meta"},
        },
        "enum": [{"$ref": "data, not a schema"}],
        "$defs": {"a": {"type": "string"}},
    }
    assert foreign_refs(schema) == [
        ("/properties/b/items/0/$ref", "https://example.com/b.json"),
        ("/properties/c/$dynamicRef", "c.json#meta"),
    ]
    with pytest.raises(SchemaCompileError, match=r"https://example.com/b.json"):
        compile_schema(schema)
    validator = compile_schema({"properties": {"x": {"pattern": "^(a+)+$"}}})
    assert not validator.is_valid({"x": "a" * 64 + "!"})  # linear time: no backtracking


def test_crd_schema_with_remote_ref_is_not_fetched(tmp_path: Path, server: _Server) -> None:  # S01
    crd = tmp_path / "crd.yaml"
    crd.write_text(crd_with_remote_ref(server.url))
    run = run_cli("lint", str(crd), "--format", "json")
    assert "Traceback" not in run.stderr
    rules = sorted(f["rule"] for f in run.json()["findings"])
    assert "unknown-field" in rules
    assert server.requests == []


def _write_config(directory: Path, text: str) -> Path:
    path = directory / ".kubelint.yaml"
    path.write_text(text)
    return path


DISABLE = "failOn: never\nrules:\n  privileged-container: {enabled: false}\n"


def test_config_in_a_world_writable_parent_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # S05
    shared = tmp_path / "shared"
    (shared / "job").mkdir(parents=True)
    shared.chmod(0o1777)
    _write_config(shared, DISABLE)
    (shared / "job" / "pod.yaml").write_text(PRIVILEGED)
    monkeypatch.chdir(shared / "job")
    run = run_cli("lint", "pod.yaml", "--only", "privileged-container")
    assert run.exit_code == 1
    assert "privileged-container" in run.stdout


def test_outside_a_repository_only_the_current_directory_is_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pod.yaml").write_text(PRIVILEGED)
    _write_config(tmp_path, DISABLE)
    monkeypatch.chdir(tmp_path / "sub")
    assert run_cli("lint", "pod.yaml", "--only", "privileged-container").exit_code == 1
    (tmp_path / ".git").mkdir()  # inside a repository the parents up to its root count
    assert run_cli("lint", "pod.yaml", "--only", "privileged-container").exit_code == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_config_owned_by_another_user_is_ignored_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pod.yaml").write_text(PRIVILEGED)
    config = _write_config(tmp_path, DISABLE)
    os.chown(config, 65534, 65534)
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "pod.yaml", "--only", "privileged-container")
    assert run.exit_code == 1
    assert "ignoring" in run.stderr and "owned by another user" in run.stderr
    # Named explicitly, it is the user's choice.
    run = run_cli("lint", "pod.yaml", "--config", str(config))
    assert run.exit_code == 0


def test_world_writable_config_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pod.yaml").write_text(PRIVILEGED)
    config = _write_config(tmp_path, DISABLE)
    config.chmod(config.stat().st_mode | stat.S_IWOTH)
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "pod.yaml", "--only", "privileged-container")
    assert run.exit_code == 1
    assert "writable by everyone" in run.stderr


def test_custom_rules_outside_the_repository_are_refused_without_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # S08
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "creds.yaml").write_text("top-secret-password-in-an-outside-yaml\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app.yaml").write_text(CANARY)
    _write_config(repo, "customRules: ['../outside']\n")
    monkeypatch.chdir(repo)
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    assert '.kubelint.yaml:1:15: customRules entry "../outside" lies outside the repository' in (
        run.stderr
    )
    assert "top-secret" not in run.stderr + run.stdout
    # Given on the command line it is the user's choice, and errors still quote nothing.
    run = run_cli("lint", "app.yaml", "--no-config", "--rules-dir", str(outside))
    assert run.exit_code == 2
    assert "creds.yaml: invalid rule at (top level): expected object, got string" in run.stderr
    assert "top-secret" not in run.stderr + run.stdout


def test_kind_and_api_version_are_names_before_lookups(tmp_path: Path) -> None:  # S09, R16
    evil = tmp_path / "evil-v1.json"
    evil.write_text("{not json")
    t = tmp_path / "t.yaml"
    t.write_text(
        f"apiVersion: v1\nkind: ../../../../../../../../../../../..{tmp_path}/evil\n"
        "metadata: {name: x}\n---\n"
        f"apiVersion: v1\nkind: {'a' * 300}\nmetadata: {{name: yy}}\n---\n"
        "apiVersion: ../v1\nkind: Pod\nmetadata: {name: z}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers: [{name: c, image: 'nginx:1'}]\n  dnsPolicy: 5\n"
    )
    run = run_cli("lint", str(t), "--format", "json")
    assert run.exit_code == 1
    assert "raised" not in run.stderr and "Traceback" not in run.stderr
    found = [(f["line"], f["column"], f["rule"], f["message"]) for f in run.json()["findings"]]
    invalid = [f for f in found if f[2] == "invalid-object"]
    assert [(line, col) for line, col, _, _ in invalid] == [(2, 7), (6, 7), (9, 13)]
    assert "is not a valid Kubernetes kind" in invalid[0][3]
    assert "is not a valid Kubernetes API version" in invalid[2][3]
    assert (18, 14, "schema-invalid") in {(line, col, r) for line, col, r, _ in found}


def test_metadata_name_of_the_wrong_type_says_so(tmp_path: Path) -> None:  # R27
    t = tmp_path / "t.yaml"
    t.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: 123}\n"
        "spec:\n  containers: [{name: c, image: 'nginx:1'}]\n"
    )
    run = run_cli("lint", str(t), "--only", "invalid-object")
    assert run.exit_code == 1
    assert "t.yaml:3:18: error invalid-object metadata.name must be a string, not an integer" in (
        run.stdout
    )


def test_helm_release_name_is_never_an_option(tmp_path: Path) -> None:  # S10
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "pod.yaml").write_text(CANARY)
    calls = tmp_path / "calls"
    helm = tmp_path / "helm"
    helm.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\n')
    helm.chmod(0o755)
    for name in ("--post-renderer=./x.sh", "-x", "Upper", "a" * 54):
        run = run_cli("lint", "--helm", str(chart), "--helm-bin", str(helm), "--release-name", name)
        assert run.exit_code == 2
        assert "is not a valid Helm release name" in run.stderr
    run = run_cli("lint", "--helm", str(chart), "--helm-bin", str(helm), "--namespace", "--set=x")
    assert run.exit_code == 2
    assert "is not a valid Kubernetes namespace" in run.stderr
    assert not calls.exists()  # helm never ran


def test_message_templates_are_plain_substitution(tmp_path: Path) -> None:  # S11
    app = tmp_path / "app.yaml"
    app.write_text(CANARY)
    cases = {
        "fmt-pad": "'{name:>1000000000}'",
        "fmt-attr": "'{name.__class__.__mro__} {kind.__len__}'",
        "fmt-conv": "'{name!r}'",
        "fmt-index": "'{name[0]}'",
        "fmt-unknown": "'{secret}'",
        "fmt-brace": "'a { b'",
    }
    for rid, message in cases.items():
        policies = tmp_path / rid
        rule(policies, rid, f"message: {message}\nschema: {{required: [nonexistent]}}\n")
        run = run_cli("lint", str(app), "--rules-dir", str(policies), "--only", rid)
        assert run.exit_code == 2, rid
        assert f"{rid}.yaml: invalid message template:" in run.stderr
        assert "class" not in run.stdout
    check("{{literal}} {kind} {name}")
    assert render("{{x}} {name} {value}", {"name": "{kind}", "value": "5"}) == "{x} {kind} 5"
    with pytest.raises(TemplateError):
        check("{name:{kind}}")


def test_custom_rule_bad_regex_and_deep_schema(tmp_path: Path) -> None:  # R19
    app = tmp_path / "app.yaml"
    app.write_text(CANARY)
    badre = tmp_path / "policies-badre"
    rule(
        badre,
        "badre",
        'schema:\n  properties:\n    metadata: {properties: {name: {pattern: "(["}}}\n',
    )
    run = run_cli("lint", str(app), "--rules-dir", str(badre))
    assert run.exit_code == 2
    assert 'badre.yaml: invalid JSON Schema in rule (schema): "([" is not a valid regex' in (
        run.stderr
    )
    deep = tmp_path / "policies-deep"
    lines = ["schema:", "  properties:"]
    for i in range(40):
        inner = "{}" if i == 0 else f"*d{i - 1}"
        lines.append(f"    d{i}: &d{i} " + "{not: " * 100 + inner + "}" * 100)
    lines.append("    x: *d39")
    rule(deep, "deep", "\n".join(lines) + "\n")
    run = run_cli("lint", str(app), "--rules-dir", str(deep))
    assert run.exit_code == 2
    assert "deep.yaml" in run.stderr and "deeper than" in run.stderr
    assert "Traceback" not in run.stderr and "Recursion" not in run.stderr


def test_params_pattern_cannot_backtrack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # R20: the params of a custom rule are checked (and explained, also by the config check
    # that reports every problem at once) on the linear-time engine.
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.yaml").write_text(CANARY)
    rule(
        tmp_path / "policies",
        "redos-params",
        "check: latest_tag\nparams:\n  type: object\n  properties:\n"
        '    x: {type: string, pattern: "^(a+)+$"}\n',
        target="container",
    )
    _write_config(
        tmp_path,
        "customRules: [policies]\nrules:\n  redos-params:\n"
        "    params: {x: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'}\n",
    )
    monkeypatch.chdir(tmp_path)
    run = run_cli("lint", "app.yaml")
    assert run.exit_code == 2
    # Explained on the compiled validator too (the config check names file:line:col).
    assert ".kubelint.yaml:4:17: rule redos-params: params.x: " in run.stderr
    assert "does not have the expected form (^(a+)+$)" in run.stderr


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "from kubelint.hookspecs import hookimpl\n@hookimpl\ndef kubelint_checks():\n"
            "    raise ValueError('checks hook boom')\n",
            "plugin kl-evil[evil] failed in kubelint_checks: ValueError: checks hook boom",
        ),
        (
            "from kubelint.hookspecs import hookimpl\n@hookimpl\ndef kubelint_rule_dirs():\n"
            "    raise SystemExit(0)\n",
            "plugin kl-evil[evil] failed in kubelint_rule_dirs: SystemExit: 0",
        ),
        ("import sys\nsys.exit(0)\n", "plugin kl-evil[evil] failed to load: SystemExit: 0"),
    ],
)
def test_plugin_hook_errors_are_exit_2(tmp_path: Path, code: str, message: str) -> None:  # R21

    from tests.conftest import ROOT

    install_dist(tmp_path, "kl-evil", "evil = kl_evil")
    (tmp_path / "kl_evil.py").write_text(code)
    (tmp_path / "app.yaml").write_text(PRIVILEGED)
    env = {"PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "XDG_CACHE_HOME": str(tmp_path / "c")}
    proc = run_kubelint(
        "lint", "app.yaml", cwd=tmp_path, env=env, without=["KUBELINT_"], timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"kubelint: {message}"
    assert "Traceback" not in proc.stderr


def _chart_with_renderer(tmp_path: Path, script: str) -> tuple[Path, Path]:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    helm = tmp_path / "helm"
    helm.write_text(script)
    helm.chmod(0o755)
    return chart, helm


def test_render_memory_is_bounded(tmp_path: Path) -> None:  # R29
    import sys

    chart, helm = _chart_with_renderer(
        tmp_path, f"#!{sys.executable}\nblob = bytearray(3 * 1024**3)\nprint('kind: Pod')\n"
    )
    run = run_cli(
        "lint", "--helm", str(chart), "--helm-bin", str(helm),
        env={"KUBELINT_RENDER_MEMORY_MIB": "512"},
    )  # fmt: skip
    assert run.exit_code == 2
    assert "MemoryError" in run.stderr
    assert "renders run with at most 512 MiB of memory" in run.stderr


def test_render_output_is_capped(tmp_path: Path) -> None:  # R29: output beyond the input limit
    chart, helm = _chart_with_renderer(tmp_path, "#!/bin/sh\nexec yes 'a: b'\n")
    run = run_cli("lint", "--helm", str(chart), "--helm-bin", str(helm))
    assert run.exit_code == 2
    assert "output larger than 64 MiB" in run.stderr


def test_render_time_is_bounded(tmp_path: Path) -> None:
    chart, helm = _chart_with_renderer(tmp_path, "#!/bin/sh\nexec sleep 30\n")
    run = run_cli(
        "lint", "--helm", str(chart), "--helm-bin", str(helm),
        env={"KUBELINT_RENDER_TIMEOUT": "1"},
    )  # fmt: skip
    assert run.exit_code == 2
    assert "timed out after 1s (KUBELINT_RENDER_TIMEOUT sets the limit)" in run.stderr
