"""RBAC checks on Roles, ClusterRoles and their bindings (rule-catalog section 7).

Every rule entry of a Role/ClusterRole is judged (not only the first). What an entry grants is
decided by one helper, ``kubelint.lib.rbac`` (``*`` in verbs/apiGroups/resources, ``*/subresource``,
resourceNames narrowing a grant); no check matches verbs or resources on its own. An aggregated
ClusterRole (``aggregationRule``) is judged on its own written rules only. Findings on a rule
entry point at the list item at fault (``- "*"``, ``- secrets``, ``- escalate``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from kubelint.apiresources import resource_scope_by_group
from kubelint.checks import CheckContext, check
from kubelint.findings import Violation
from kubelint.lib.rbac import (
    ADMIN_VERBS,
    RBAC_GROUP,
    WILDCARD,
    Grant,
    PolicyRule,
    find_grants,
    grants,
    is_full_wildcard,
    policy_rules,
)
from kubelint.lintset import LintSet
from kubelint.model import K8sObject
from kubelint.positions import join

RBAC_FIELDS = ("apiGroups", "resources", "verbs")
ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
CLUSTER_ADMIN = "cluster-admin"

AUTHENTICATION_GROUP = "authentication.k8s.io"
ADMISSION_GROUP = "admissionregistration.k8s.io"

SECRET_READ_VERBS = ("get", "list", "watch")
EXEC_VERBS = ("create", "get")
EXEC_TARGETS = (("", "pods/exec"), ("", "pods/attach"), ("", "pods/portforward"))
ESCALATION_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("escalate", RBAC_GROUP, "roles"),
    ("escalate", RBAC_GROUP, "clusterroles"),
    ("bind", RBAC_GROUP, "roles"),
    ("bind", RBAC_GROUP, "clusterroles"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("impersonate", "", "serviceaccounts"),
    ("impersonate", AUTHENTICATION_GROUP, "uids"),
)
WORKLOAD_TARGETS = (
    ("", "pods"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
)
WEBHOOK_WRITE_VERBS = ("create", "update", "patch", "delete", "deletecollection")
WEBHOOK_TARGETS = (
    (ADMISSION_GROUP, "mutatingwebhookconfigurations"),
    (ADMISSION_GROUP, "validatingwebhookconfigurations"),
)

# The Roles every cluster has (kube-apiserver's RBAC bootstrap policy,
# plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/namespace-roles.yaml): bindings to
# them are not bindings to a missing Role.
BUILTIN_ROLES = frozenset(
    {
        ("kube-public", "system:controller:bootstrap-signer"),
        ("kube-system", "extension-apiserver-authentication-reader"),
        ("kube-system", "system::leader-locking-kube-controller-manager"),
        ("kube-system", "system::leader-locking-kube-scheduler"),
        ("kube-system", "system:controller:bootstrap-signer"),
        ("kube-system", "system:controller:cloud-provider"),
        ("kube-system", "system:controller:token-cleaner"),
    }
)


# Built-in resources by API group: True = namespaced, False = cluster-scoped, derived from
# data/api-resources.yaml. A resource that is not listed there (nor defined by a
# CustomResourceDefinition of the lint set) is unknown, and an unknown resource is never assumed
# to be namespaced.
def __getattr__(name: str) -> Any:
    if name == "BUILTIN_RESOURCE_SCOPE":
        return resource_scope_by_group()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- helpers --------------------------------------------------------------------------------------


def _is_rbac(obj: K8sObject) -> bool:
    """Role/ClusterRole/bindings of the RBAC API (a CRD may reuse the kind names)."""
    return obj.group == RBAC_GROUP


def _entry(obj: K8sObject, rule: PolicyRule) -> str:
    return f"{obj.display} rule {rule.index + 1}"


def _item(rule: PolicyRule, field: str, index: int) -> str:
    value = rule.raw.get(field)
    assert isinstance(value, list)
    item = value[index]
    return str(item)


def _show(value: str) -> str:
    """A verb or resource as written; the wildcard is quoted so it reads as a value."""
    return f'"{value}"' if value == WILDCARD else value


def _shown(written: str, meant: str) -> str:
    """``secrets``, or ``"*" (which includes secrets)`` when a wildcard item grants it."""
    return meant if written == meant else f'"{written}" (which includes {meant})'


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _rules_of(role: K8sObject) -> list[PolicyRule]:
    """The role's rule entries, parsed once per object and shared by every RBAC check."""
    cached = role.memo.get("rbac_policy_rules")
    if cached is None:
        cached = policy_rules(role.raw)
        role.memo["rbac_policy_rules"] = cached
    assert isinstance(cached, list)
    return cached


def _roles(obj: K8sObject) -> list[PolicyRule]:
    return _rules_of(obj) if _is_rbac(obj) else []


def _verbs_on(rule: PolicyRule, found: Sequence[tuple[Any, str, str, Grant]]) -> str:
    """The verbs as written that grant ``found`` (``*`` shown as-is)."""
    return ", ".join(_unique(_show(_item(rule, "verbs", g.verb)) for _, _, _, g in found))


def _granted(rule: PolicyRule, found: Sequence[tuple[Any, str, str, Grant]]) -> str:
    """The resources granted, and the wildcard items that grant them when not named as such."""
    names = ", ".join(_unique(r for _, _, r, _ in found))
    wild = _unique(
        item
        for _, _, resource, g in found
        if (item := _item(rule, "resources", g.resource)) != resource
    )
    return (
        f"{names} (through {', '.join(_show(w) if w == WILDCARD else w for w in wild)})"
        if wild
        else names
    )


def _role_ref(binding: K8sObject) -> tuple[str, str] | None:
    ref = binding.raw.get("roleRef")
    if not isinstance(ref, dict):
        return None
    kind, name = ref.get("kind"), ref.get("name")
    if kind not in ROLE_KINDS or not isinstance(name, str) or not name:
        return None
    return kind, name


def _subjects(binding: K8sObject) -> list[tuple[int, dict[str, Any]]]:
    subjects = binding.raw.get("subjects")
    if not isinstance(subjects, list):
        return []
    return [(i, s) for i, s in enumerate(subjects) if isinstance(s, dict)]


def _subject_namespace(binding: K8sObject, subject: Mapping[str, Any]) -> str | None:
    """A ServiceAccount subject's namespace; in a RoleBinding it defaults to the binding's."""
    ns = subject.get("namespace")
    if isinstance(ns, str) and ns:
        return ns
    return binding.namespace if binding.kind == "RoleBinding" else None


def _show_subject(binding: K8sObject, subject: Mapping[str, Any]) -> str:
    kind = subject.get("kind")
    name = subject.get("name")
    if kind == "ServiceAccount":
        ns = _subject_namespace(binding, subject)
        return f'ServiceAccount "{ns}/{name}"' if ns else f'ServiceAccount "{name}"'
    return f'{kind} "{name}"'


def _find_role(lint_set: LintSet, binding: K8sObject, kind: str, name: str) -> K8sObject | None:
    """The Role/ClusterRole a binding refers to, when it is in the lint set."""
    if kind == "Role" and binding.kind != "RoleBinding":
        return None  # a ClusterRoleBinding can only refer to a ClusterRole
    namespace = binding.scope if kind == "Role" else None
    for role in lint_set.find(kind, namespace, name):
        if _is_rbac(role):
            return role
    return None


# -- rule-entry checks ----------------------------------------------------------------------------


@check("rbac_wildcard")
def rbac_wildcard(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Every rule entry is judged (not only the first); each `*` is its own finding."""
    for rule in _roles(obj):
        for field in RBAC_FIELDS:
            for j, item in rule.items(field):
                if item == WILDCARD:
                    yield Violation(
                        join("/rules", rule.index, field, j),
                        f'{_entry(obj, rule)} grants "*" in {field}',
                    )


@check("rbac_secrets_access")
def rbac_secrets_access(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """get/list/watch on secrets of the core group, not narrowed by resourceNames."""
    for rule in _roles(obj):
        found = list(find_grants(rule, SECRET_READ_VERBS, [("", "secrets")]))
        if not found:
            continue
        grant = found[0][3]
        resource = _item(rule, "resources", grant.resource)
        yield Violation(
            join("/rules", rule.index, "resources", grant.resource),
            f"{_entry(obj, rule)} grants {_verbs_on(rule, found)} on {_shown(resource, 'secrets')} "
            "in the core group without resourceNames: it can read every Secret it is bound to",
        )


@check("rbac_pod_exec")
def rbac_pod_exec(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """create/get on pods/exec, pods/attach or pods/portforward, or `*` verbs on `pods/*`."""
    for rule in _roles(obj):
        found = list(find_grants(rule, EXEC_VERBS, EXEC_TARGETS))
        if found:
            first = min(found, key=lambda f: f[3].resource)[3]
            granted = _granted(rule, found)
            yield Violation(
                join("/rules", rule.index, "resources", first.resource),
                f"{_entry(obj, rule)} grants {_verbs_on(rule, found)} on {granted}: it can run "
                "commands in, attach to or tunnel into pods and act with their service account",
            )
            continue
        # The authorizer does not expand "pods/*", but the intent is every pod subresource.
        if rule.named or WILDCARD not in rule.verbs:
            continue
        if "" not in rule.api_groups and WILDCARD not in rule.api_groups:
            continue
        for j, resource in rule.items("resources"):
            if resource == "pods/*":
                yield Violation(
                    join("/rules", rule.index, "resources", j),
                    f'{_entry(obj, rule)} grants "*" verbs on "pods/*", meant as every pod '
                    "subresource including exec, attach and portforward",
                )
                break


@check("rbac_escalation_verbs")
def rbac_escalation_verbs(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """escalate/bind on roles or clusterroles, impersonate on users, groups, serviceaccounts or
    uids (a `*` verb counts), not narrowed by resourceNames."""
    for rule in _roles(obj):
        found = [
            (verb, group, resource, grant)
            for verb, group, resource in ESCALATION_TARGETS
            if (grant := grants(rule, verb, group, resource)) is not None
        ]
        if not found:
            continue
        first = min(found, key=lambda f: f[3].verb)[3]
        by_verb: dict[str, list[str]] = {}
        for verb, _, resource, _ in found:
            by_verb.setdefault(verb, []).append(resource)
        what = "; ".join(f"{verb} on {', '.join(res)}" for verb, res in by_verb.items())
        written = _item(rule, "verbs", first.verb)
        via = f' (through "{written}")' if written == WILDCARD else ""
        yield Violation(
            join("/rules", rule.index, "verbs", first.verb),
            f"{_entry(obj, rule)} grants {what}{via}: it can give itself or act with "
            "permissions it does not hold",
        )


@check("rbac_node_proxy")
def rbac_node_proxy(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """Any verb on nodes/proxy. resourceNames do not excuse it: proxying to one node's kubelet
    still reaches every pod on that node."""
    for rule in _roles(obj):
        grant = grants(rule, None, "", "nodes/proxy", named=True)
        if grant is None:
            continue
        resource = _item(rule, "resources", grant.resource)
        verbs = ", ".join(_show(v) for v in rule.verbs)
        names = f" of nodes {', '.join(rule.resource_names)}" if grant.named else ""
        yield Violation(
            join("/rules", rule.index, "resources", grant.resource),
            f"{_entry(obj, rule)} grants {verbs} on {_shown(resource, 'nodes/proxy')}{names}: "
            "direct access to the kubelet API (exec into any pod of the node) that bypasses "
            "admission and audit",
        )


@check("rbac_create_workloads")
def rbac_create_workloads(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """create on pods or on a workload kind that creates pods."""
    for rule in _roles(obj):
        found = list(find_grants(rule, ("create",), WORKLOAD_TARGETS))
        if not found:
            continue
        first = min(found, key=lambda f: f[3].resource)[3]
        granted = _granted(rule, found)
        yield Violation(
            join("/rules", rule.index, "resources", first.resource),
            f"{_entry(obj, rule)} grants create on {granted}: it can run any image with any "
            "service account of the namespace, and so use their permissions and secrets",
        )


@check("rbac_webhook_config_write")
def rbac_webhook_config_write(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """create/update/patch/delete(collection) on mutating/validating webhook configurations."""
    for rule in _roles(obj):
        found = list(find_grants(rule, WEBHOOK_WRITE_VERBS, WEBHOOK_TARGETS))
        if not found:
            continue
        first = min(found, key=lambda f: f[3].resource)[3]
        granted = _granted(rule, found)
        yield Violation(
            join("/rules", rule.index, "resources", first.resource),
            f"{_entry(obj, rule)} grants {_verbs_on(rule, found)} on {granted}: it can "
            "intercept or rewrite every API request, or switch admission control off",
        )


# -- binding checks -------------------------------------------------------------------------------


@check("cluster_admin_binding")
def cluster_admin_binding(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """A binding to ClusterRole cluster-admin, or to a role of the set granting `*` verbs on `*`
    resources in `*` (or core) apiGroups; subjects named system:* are exempt."""
    for binding in lint_set.of_kind(*BINDING_KINDS):
        if not _is_rbac(binding):
            continue
        ref = _role_ref(binding)
        if ref is None:
            continue
        kind, name = ref
        if kind == "ClusterRole" and name == CLUSTER_ADMIN:
            what = 'ClusterRole "cluster-admin"'
        else:
            role = _find_role(lint_set, binding, kind, name)
            if role is None:
                continue
            full = next((r for r in _rules_of(role) if is_full_wildcard(r)), None)
            if full is None:
                continue
            verbs = '"*" verbs' if WILDCARD in full.verbs else ", ".join(ADMIN_VERBS)
            what = (
                f'{kind} "{name}", which grants {verbs} on "*" resources (rule '
                f"{full.index + 1}, the equivalent of cluster-admin),"
            )
        subjects = [
            _show_subject(binding, s)
            for _, s in _subjects(binding)
            if not (isinstance(s.get("name"), str) and s["name"].startswith("system:"))
        ]
        if not subjects:
            continue
        scope = (
            "across the whole cluster"
            if binding.kind == "ClusterRoleBinding"
            else f'in namespace "{binding.namespace}"'
        )
        yield Violation(
            "/roleRef/name",
            f"{binding.display} binds {what} to {', '.join(subjects)}: full control {scope}",
            obj=binding,
        )


def _crd_scopes(lint_set: LintSet) -> dict[tuple[str, str], bool]:
    """(group, plural) -> namespaced, for the CustomResourceDefinitions of the lint set."""
    out: dict[tuple[str, str], bool] = {}
    for crd in lint_set.of_kind("CustomResourceDefinition"):
        spec = crd.raw.get("spec")
        if not isinstance(spec, dict):
            continue
        group, names, scope = spec.get("group"), spec.get("names"), spec.get("scope")
        plural = names.get("plural") if isinstance(names, dict) else None
        if (
            isinstance(group, str)
            and isinstance(plural, str)
            and scope in ("Namespaced", "Cluster")
        ):
            out[(group, plural)] = scope == "Namespaced"
    return out


def _scope(group: str, resource: str, crds: Mapping[tuple[str, str], bool]) -> bool | None:
    """True for a namespaced resource, False for a cluster-scoped or unknown one (wildcards,
    custom resources without a CRD in the set), None for a resource that a built-in group does
    not have (``apiGroups: [apps, batch]`` x ``resources: [deployments, jobs]`` also names
    batch/deployments, which grants nothing). Subresources follow their resource."""
    base = resource.partition("/")[0]
    if WILDCARD in (group, base):
        return False
    builtin = resource_scope_by_group().get(group)
    if builtin is not None:
        return builtin.get(base)
    return crds.get((group, base), False)


def _only_namespaced(role: K8sObject, crds: Mapping[tuple[str, str], bool]) -> list[str] | None:
    """The resources the role's rules name when all of them are namespaced, else None."""
    rules = _rules_of(role)
    if not rules:
        return None
    named: list[str] = []
    for rule in rules:
        if rule.raw.get("nonResourceURLs"):
            return None
        groups, resources = rule.api_groups, rule.resources
        if not groups or not resources:
            return None
        for group in groups:
            for resource in resources:
                scope = _scope(group, resource, crds)
                if scope is False:
                    return None
                if scope is True:
                    named.append(resource)
    return _unique(named) or None


@check("overly_broad_cluster_binding")
def overly_broad_cluster_binding(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """A ClusterRoleBinding of a namespaced-only ClusterRole to ServiceAccounts of one namespace."""
    crds: dict[tuple[str, str], bool] | None = None
    for binding in lint_set.of_kind("ClusterRoleBinding"):
        if not _is_rbac(binding):
            continue
        ref = _role_ref(binding)
        if ref is None or ref[0] != "ClusterRole":
            continue
        subjects = _subjects(binding)
        if not subjects or any(s.get("kind") != "ServiceAccount" for _, s in subjects):
            continue
        namespaces = {_subject_namespace(binding, s) for _, s in subjects}
        if len(namespaces) != 1 or None in namespaces:
            continue
        namespace = next(iter(namespaces))
        role = _find_role(lint_set, binding, *ref)
        if role is None or "aggregationRule" in role.raw:
            continue
        if crds is None:
            crds = _crd_scopes(lint_set)
        resources = _only_namespaced(role, crds)
        if resources is None:
            continue
        accounts = ", ".join(f'"{s.get("name")}"' for _, s in subjects)
        yield Violation(
            "/kind",
            f'ClusterRoleBinding "{binding.name}" grants ClusterRole "{ref[1]}", whose rules only '
            f"name namespaced resources ({', '.join(resources)}), to ServiceAccount(s) {accounts} "
            f'of namespace "{namespace}": it gives them these rights in every namespace; a '
            f'RoleBinding in "{namespace}" (which may refer to the ClusterRole) would limit them '
            "to their own namespace",
            obj=binding,
        )


@check("binding_to_missing_role")
def binding_to_missing_role(lint_set: LintSet, ctx: CheckContext) -> Iterator[Violation]:
    """Gated: only when the set holds at least one Role, or is declared complete."""
    roles = [r for r in lint_set.of_kind("Role") if _is_rbac(r)]
    if not (roles or lint_set.complete):
        return
    elsewhere: dict[str, list[str]] = {}
    for role in roles:
        elsewhere.setdefault(role.name, []).append(str(role.namespace))
    for binding in lint_set.of_kind("RoleBinding"):
        if not _is_rbac(binding):
            continue
        ref = _role_ref(binding)
        if ref is None or ref[0] != "Role":
            continue
        name = ref[1]
        if (binding.namespace, name) in BUILTIN_ROLES or not lint_set.knows(binding, "Role"):
            continue
        if _find_role(lint_set, binding, "Role", name) is not None:
            continue
        others = ", ".join(f'"{n}"' for n in sorted(set(elsewhere.get(name, []))))
        hint = (
            f" (a Role of that name is in namespace {others}; a RoleBinding can only refer to "
            "a Role of its own namespace)"
            if others
            else ""
        )
        yield Violation(
            "/roleRef/name",
            f'RoleBinding "{binding.name}" refers to Role "{name}", which is not in namespace '
            f'"{binding.namespace}" of the linted objects{hint}: the binding grants nothing',
            obj=binding,
        )


@check("binding_to_default_service_account")
def binding_to_default_service_account(obj: K8sObject, ctx: CheckContext) -> Iterator[Violation]:
    """A subject that is the ServiceAccount named default."""
    if not _is_rbac(obj):
        return
    ref = _role_ref(obj)
    role = f'{ref[0]} "{ref[1]}"' if ref else "its role"
    for i, subject in _subjects(obj):
        if subject.get("kind") != "ServiceAccount" or subject.get("name") != "default":
            continue
        ns = _subject_namespace(obj, subject)
        where = f'namespace "{ns}"' if ns else "its namespace"
        yield Violation(
            join("/subjects", i, "name"),
            f'{obj.display} binds {role} to the "default" ServiceAccount of {where}: '
            "every pod there that sets no serviceAccountName gets these permissions",
        )
