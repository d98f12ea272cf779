"""Every setting the command line can give, declared once.

``Settings`` is the one declaration of the command line's options: each field is one flag (its
names, help, metavar, help panel, the commands that take it and the configuration key it
overrides live in the field's ``flag(...)``). cli.py builds the typer parameters of ``lint``,
``baseline create|prune`` and ``config show`` from it, so a new flag is one field here.
``None`` (or an empty list) means "not given on the command line", so that the configuration
file's value, or the built-in default, applies.

``kubelint.effective`` merges the configuration file with these flags; every command that lints
or shows settings goes through it. This module imports nothing heavy at import time (the CLI
imports it on every start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kubelint import records
from kubelint.findings import Severity
from kubelint.records import dataclass, field

if TYPE_CHECKING:
    from kubelint.render import RenderOptions

# The commands that take a flag.
LINT = "lint"
BASELINE = "baseline"  # baseline create / prune: everything that decides which findings exist
SHOW = "show"  # config show: everything that is also a configuration key
FIX = "fix"  # kubelint fix: everything that decides which findings exist, plus the fix flags
_FINDINGS = frozenset({LINT, BASELINE, FIX})
_ALL = frozenset({LINT, BASELINE, SHOW, FIX})

FAIL_ON = (*(s.value for s in Severity), "never")  # every severity, most severe first
COLOR = ("auto", "always", "never")
# the built-in report formats, for --format's help (tests/test_cli_everyday.py keeps it in step
# with kubelint/reporters/; plugins add theirs, which `kubelint plugins` lists)
FORMATS = ("text", "full", "concise", "json", "sarif", "junit", "github", "gitlab")
DEFAULT_FAIL_ON = "warning"

# Help panels (the groups of `kubelint lint --help`).
OUTPUT = "Output"
RULES = "Rule selection"
INPUTS = "Inputs"
HELM = "Helm and Kustomize"
SUPPRESSION = "Configuration and suppression"
FIXES = "Fixes"
PANELS = (OUTPUT, RULES, INPUTS, SUPPRESSION, HELM, FIXES)  # the order help lists them in


@dataclass(frozen=True)
class Flag:
    """How a Settings field appears on the command line."""

    decls: tuple[str, ...]  # option names; empty for the positional argument
    help: str
    metavar: str | None = None
    commands: frozenset[str] = frozenset({LINT})
    panel: str | None = None
    choices: tuple[str, ...] | None = None
    config_key: str | None = None  # the .kubelint.yaml key this flag overrides

    @property
    def argument(self) -> bool:
        return not self.decls


def flag(
    *decls: str,
    help: str,
    default: Any = None,
    metavar: str | None = None,
    commands: frozenset[str] = frozenset({LINT}),
    panel: str | None = None,
    choices: tuple[str, ...] | None = None,
    config_key: str | None = None,
    many: bool = False,
) -> Any:
    """A Settings field that is a command-line flag (``many``: repeatable, a list)."""
    meta = {"flag": Flag(decls, help, metavar, commands, panel, choices, config_key)}
    if many:
        return field(default_factory=list, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    """What the command line said (one field per flag; see the module docstring)."""

    paths: list[str] = flag(
        help="Files or directories to lint; '-' reads standard input "
        "(default: the configured paths, else '.').",
        metavar="PATH...",
        commands=_FINDINGS,
        many=True,
    )
    # --- fixes
    fix: bool = flag(
        "--fix",
        help="Apply the safe fixes to the files first, then report what remains.",
        default=False,
        panel=FIXES,
    )
    unsafe_fixes: bool = flag(
        "--unsafe-fixes",
        help="Apply unsafe fixes too (they may change what a workload does).",
        default=False,
        commands=frozenset({LINT, FIX}),
        panel=FIXES,
    )
    diff: bool = flag(
        "--diff",
        help="Print the fixes as a unified diff and write nothing.",
        default=False,
        commands=frozenset({FIX}),
        panel=FIXES,
    )
    check: bool = flag(
        "--check",
        help="Write nothing; exit 1 when a fix would apply.",
        default=False,
        commands=frozenset({FIX}),
        panel=FIXES,
    )
    # --- output
    format: str | None = flag(
        "--format",
        help=f"Report format on stdout: {', '.join(FORMATS)}, or a plugin's.",
        metavar="FORMAT",
        panel=OUTPUT,
    )
    reports: list[str] = flag(
        "--report",
        help="Also write a report to a file: FORMAT=PATH (repeatable).",
        metavar="FORMAT=PATH",
        panel=OUTPUT,
        many=True,
    )
    fail_on: str | None = flag(
        "--fail-on",
        help="Lowest severity that fails the run (default warning).",
        metavar="SEVERITY",
        choices=FAIL_ON,
        commands=frozenset({LINT, SHOW, FIX}),
        panel=OUTPUT,
        config_key="failOn",
    )
    exit_zero: bool = flag(
        "--exit-zero",
        help="Exit 0 even with findings (errors still exit 2).",
        default=False,
        panel=OUTPUT,
    )
    fail_if_empty: bool = flag(
        "--fail-if-empty",
        help="Exit 2 when no Kubernetes object was linted.",
        default=False,
        panel=OUTPUT,
    )
    color: str = flag(
        "--color",
        help="Colour on stdout (the layout stays; NO_COLOR is honoured).",
        default="auto",
        metavar="WHEN",
        choices=COLOR,
        panel=OUTPUT,
    )
    verbose: bool = flag(
        "--verbose", "-v", help="List skipped files and documents.", default=False, panel=OUTPUT
    )
    quiet: bool = flag(
        "--quiet",
        "-q",
        help="Print the findings only: no summary, table, notices or progress.",
        default=False,
        panel=OUTPUT,
    )
    silent: bool = flag(
        "--silent",
        "-s",
        help="Print nothing but errors; the exit code still tells the result.",
        default=False,
        panel=OUTPUT,
    )
    statistics: bool = flag(
        "--statistics",
        help="Print counts by rule instead of the findings (JSON with --format json).",
        default=False,
        panel=OUTPUT,
    )
    list_files: bool = flag(
        "--list-files",
        help="Print the files that would be linted, one per line, and exit.",
        default=False,
        panel=INPUTS,
    )
    jobs: int | None = flag(
        "--jobs",
        "-j",
        help=(
            "Processes that read, parse and lint files, and charts or kustomizations found in "
            "the tree rendered at a time (default: the usable CPU cores)."
        ),
        metavar="N",
        commands=_FINDINGS,
        panel=INPUTS,
    )
    # --- rule selection
    profile: list[str] = flag(
        "--profile",
        help="Use a profile's rules instead of the defaults (repeatable).",
        metavar="NAME",
        commands=_ALL,
        panel=RULES,
        config_key="profiles",
        many=True,
    )
    enable: list[str] = flag(
        "--enable",
        help="Enable rules: IDs, categories or all, comma-separated (repeatable).",
        metavar="RULE",
        commands=_ALL,
        panel=RULES,
        many=True,
    )
    disable: list[str] = flag(
        "--disable",
        help="Disable rules: IDs, categories or all, comma-separated (repeatable).",
        metavar="RULE",
        commands=_ALL,
        panel=RULES,
        many=True,
    )
    only: list[str] = flag(
        "--only",
        help="Run only these rules: IDs, categories, comma-separated (repeatable).",
        metavar="RULE",
        commands=_ALL,
        panel=RULES,
        many=True,
    )
    kubernetes_version: str | None = flag(
        "--kubernetes-version",
        help="Target Kubernetes minor, e.g. 1.33.",
        metavar="X.Y",
        commands=_ALL,
        panel=RULES,
        config_key="kubernetesVersion",
    )
    complete: bool | None = flag(
        "--complete/--no-complete",
        help="The linted inputs are a whole application.",
        commands=_ALL,
        panel=RULES,
        config_key="complete",
    )
    rules_dir: list[str] = flag(
        "--rules-dir",
        help="Directory of custom rule YAML files (repeatable).",
        metavar="DIR",
        commands=_ALL,
        panel=RULES,
        many=True,
    )
    no_plugins: bool = flag(
        "--no-plugins",
        help="Do not load third-party plugins.",
        default=False,
        commands=_ALL,
        panel=RULES,
    )
    # --- inputs
    namespace: str | None = flag(
        "--namespace",
        "-n",
        help="Namespace for objects without one.",
        metavar="NAMESPACE",
        commands=_ALL,
        panel=INPUTS,
        config_key="namespace",
    )
    exclude: list[str] = flag(
        "--exclude",
        help="Skip files matching this gitignore-style pattern, instead of the configured "
        "exclude (repeatable, comma lists).",
        metavar="PATTERN",
        commands=_FINDINGS,
        panel=INPUTS,
        config_key="exclude",
        many=True,
    )
    extend_exclude: list[str] = flag(
        "--extend-exclude",
        help="Like --exclude, in addition to the configured exclude.",
        metavar="PATTERN",
        commands=_FINDINGS,
        panel=INPUTS,
        many=True,
    )
    no_gitignore: bool = flag(
        "--no-gitignore",
        help="Lint files that .gitignore files ignore (respected by default).",
        default=False,
        commands=_FINDINGS,
        panel=INPUTS,
    )
    stdin_filename: str | None = flag(
        "--stdin-filename",
        help="Name to report for '-'.",
        metavar="NAME",
        commands=_FINDINGS,
        panel=INPUTS,
    )
    crd: list[str] = flag(
        "--crd",
        help="CustomResourceDefinition file or directory for schemas (repeatable).",
        metavar="PATH",
        commands=_FINDINGS,
        panel=INPUTS,
        many=True,
    )
    require_schemas: bool = flag(
        "--require-schemas",
        help="Report objects no schema can validate (schema-invalid).",
        default=False,
        commands=_FINDINGS,
        panel=INPUTS,
    )
    # --- configuration and suppression
    config: str | None = flag(
        "--config",
        help="Configuration file (else the nearest .kubelint.yaml).",
        metavar="FILE",
        commands=_ALL,
        panel=SUPPRESSION,
    )
    no_config: bool = flag(
        "--no-config",
        help="Do not look for .kubelint.yaml.",
        default=False,
        commands=_ALL,
        panel=SUPPRESSION,
    )
    baseline: str | None = flag(
        "--baseline",
        help="Report only findings not in this baseline file.",
        metavar="FILE",
        panel=SUPPRESSION,
    )
    show_suppressed: bool = flag(
        "--show-suppressed", help="List suppressed findings too.", default=False, panel=SUPPRESSION
    )
    report_unused_suppressions: bool = flag(
        "--report-unused-suppressions",
        help="Report suppressions that matched nothing.",
        default=False,
        panel=SUPPRESSION,
    )
    no_foreign_suppressions: bool = flag(
        "--no-foreign-suppressions",
        help="Ignore kube-linter, Polaris, kube-score and Checkov suppression annotations.",
        default=False,
        commands=_FINDINGS,
        panel=SUPPRESSION,
    )
    # --- Helm and Kustomize
    helm: list[str] = flag(
        "--helm",
        help="Render this chart with `helm template` and lint it (repeatable).",
        metavar="CHART",
        commands=_FINDINGS,
        panel=HELM,
        many=True,
    )
    values: list[str] = flag(
        "--values",
        "-f",
        help="Helm values file for every render (repeatable).",
        metavar="FILE",
        commands=_FINDINGS,
        panel=HELM,
        many=True,
    )
    set_values: list[str] = flag(
        "--set",
        help="Helm --set KEY=VALUE for every render (repeatable).",
        metavar="KEY=VALUE",
        commands=_FINDINGS,
        panel=HELM,
        many=True,
    )
    values_set: list[str] = flag(
        "--values-set",
        help="Render once per values set (FILE[,FILE]); findings are tagged.",
        metavar="FILE[,FILE]",
        commands=_FINDINGS,
        panel=HELM,
        many=True,
    )
    release_name: str = flag(
        "--release-name",
        help="Helm release name.",
        default="release-name",
        metavar="NAME",
        commands=_FINDINGS,
        panel=HELM,
    )
    helm_bin: str | None = flag(
        "--helm-bin",
        help="The helm executable (else helm on PATH).",
        metavar="PATH",
        commands=_FINDINGS,
        panel=HELM,
    )
    include_tests: bool = flag(
        "--include-tests",
        help="Lint Helm test pods (helm.sh/hook: test).",
        default=False,
        commands=_FINDINGS,
        panel=HELM,
    )
    helm_auto: bool = flag(
        "--helm-auto",
        help="Render charts met in the linted tree.",
        default=False,
        commands=_FINDINGS,
        panel=HELM,
    )
    chart_dir: str | None = flag(
        "--chart-dir",
        help="Chart directory of piped `helm template` output.",
        metavar="DIR",
        commands=_FINDINGS,
        panel=HELM,
    )
    kustomize: list[str] = flag(
        "--kustomize",
        help="Build this kustomization directory and lint it (repeatable).",
        metavar="DIR",
        commands=_FINDINGS,
        panel=HELM,
        many=True,
    )
    kustomize_auto: bool = flag(
        "--kustomize-auto",
        help="Build kustomizations met in the linted tree; without kustomize or kubectl "
        "that is an error (by default they are built when one is installed).",
        default=False,
        commands=_FINDINGS,
        panel=HELM,
    )
    no_kustomize: bool = flag(
        "--no-kustomize",
        help="Lint kustomizations' files as plain files instead of building them.",
        default=False,
        commands=_FINDINGS,
        panel=HELM,
    )
    kustomize_allow_remote: bool = flag(
        "--kustomize-allow-remote",
        help="Let kustomize fetch remote resources and bases (refused by default).",
        default=False,
        commands=_FINDINGS,
        panel=HELM,
    )
    kustomize_root: str | None = flag(
        "--kustomize-root",
        help="Directory piped `kustomize build` output was built from.",
        metavar="DIR",
        commands=_FINDINGS,
        panel=HELM,
    )

    @classmethod
    def from_flags(cls, values: dict[str, Any]) -> Settings:
        """Settings from the parsed flags of one command (absent flags keep their default;
        a repeatable flag given no value is an empty list)."""
        out = cls()
        for f in records.fields(cls):
            if f.name in values:
                value = values[f.name]
                if value is None and isinstance(getattr(out, f.name), list):
                    value = []
                elif isinstance(value, tuple):
                    value = list(value)
                setattr(out, f.name, value)
        return out

    def render_options(self) -> RenderOptions:
        from kubelint.render import RenderOptions

        return RenderOptions(
            helm=self.helm,
            values=self.values,
            set_values=self.set_values,
            values_sets=self.values_set,
            release_name=self.release_name,
            namespace=self.namespace,
            helm_bin=self.helm_bin,
            include_tests=self.include_tests,
            helm_auto=self.helm_auto,
            kustomize=self.kustomize,
            kustomize_auto=self.kustomize_auto,
            no_kustomize=self.no_kustomize,
            kustomize_allow_remote=self.kustomize_allow_remote,
        )


def flags() -> list[tuple[records.Field, Flag]]:
    """Every Settings field with its flag, in declaration order."""
    return [(f, f.metadata["flag"]) for f in records.fields(Settings) if "flag" in f.metadata]


class SettingsError(Exception):
    """A bad flag value or configuration file: exit code 2 with this message."""
