"""Routing: which agencies a case should go to, by country, category and priority.

Each country (or region) is one YAML file in this folder, registered by being
there; an operator adds or overrides files in `<data_dir>/routing/`. A case
uses the file whose `countries` list holds its country, else `default`
(INHOPE-style: the national hotline first). See `docs/cases.md` for the format.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tutela.config import Settings
from tutela.domain.cases import Priority, Route
from tutela.domain.taxonomy import OTHER, category_ids

PACKAGE_DIR = Path(__file__).resolve().parent
AGENCY_KINDS = ("police", "hotline", "child_protection", "helpline", "platform", "regulator", "ngo")


class RoutingConfigError(ValueError):
    """A routing file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    kind: str
    org: str | None = None  # the Tutela organisation that works this agency's referrals, if any
    channel: str | None = None
    #: A partner (`tutela partners add`) on another instance that works this agency's referrals: a referral
    #: to it is also sent there as a signed message (`tutela.exchange.referrals`), and its steps come back.
    partner: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    route_to: tuple[str, ...]
    categories: frozenset[str] | None = None
    priorities: frozenset[str] | None = None
    stop: bool = False

    def matches(self, category: str, priority: str) -> bool:
        if self.categories is not None and category not in self.categories:
            return False
        if self.priorities is not None and priority not in self.priorities:
            return False
        return True


@dataclass(frozen=True)
class RoutingConfig:
    id: str
    name: str
    countries: frozenset[str]
    agencies: dict[str, Agency]
    rules: tuple[Rule, ...]
    default: tuple[str, ...] = field(default_factory=tuple)

    def routes(self, category: str, priority: str) -> list[Route]:
        """Every matching rule contributes its agencies (in order, once each) until a `stop` rule."""
        out: dict[str, Route] = {}
        for rule in self.rules:
            if not rule.matches(category, priority):
                continue
            for agency_id in rule.route_to:
                if agency_id not in out:
                    out[agency_id] = self._route(agency_id, rule.name)
            if rule.stop:
                break
        if not out:
            for agency_id in self.default:
                out[agency_id] = self._route(agency_id, "default")
        return list(out.values())

    def _route(self, agency_id: str, rule: str) -> Route:
        a = self.agencies[agency_id]
        return Route(agency_id=a.id, agency_name=a.name, agency_kind=a.kind, config=self.id, rule=rule)


def _set(value: Any, valid: set[str], what: str, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    bad = sorted(set(map(str, items)) - valid)
    if bad:
        raise RoutingConfigError(f"{where}: unknown {what} {bad}; valid: {', '.join(sorted(valid))}")
    return frozenset(map(str, items))


def parse_config(data: dict[str, Any], source: str) -> RoutingConfig:
    """Validate one routing file; every reference must resolve, so mistakes fail at load, not at 3 a.m."""
    if not isinstance(data, dict) or "id" not in data:
        raise RoutingConfigError(f"{source}: a routing file needs an 'id'")
    agencies: dict[str, Agency] = {}
    for agency_id, a in (data.get("agencies") or {}).items():
        if not isinstance(a, dict) or "name" not in a or "kind" not in a:
            raise RoutingConfigError(f"{source}: agency {agency_id!r} needs 'name' and 'kind'")
        if a["kind"] not in AGENCY_KINDS:
            raise RoutingConfigError(
                f"{source}: agency {agency_id!r} has unknown kind {a['kind']!r}; "
                f"valid: {', '.join(AGENCY_KINDS)}"
            )
        if a.get("org") and a.get("partner"):
            raise RoutingConfigError(
                f"{source}: agency {agency_id!r} names both 'org' (here) and 'partner' (another instance); "
                "pick one"
            )
        agencies[str(agency_id)] = Agency(
            str(agency_id), str(a["name"]), str(a["kind"]), a.get("org"), a.get("channel"),
            str(a["partner"]) if a.get("partner") else None,
        )
    categories = {*category_ids(), OTHER}
    priorities = {p.value for p in Priority}
    rules = []
    for i, r in enumerate(data.get("rules") or []):
        where = f"{source} rule {i + 1}"
        route_to = tuple(r.get("route_to") or ())
        if not route_to:
            raise RoutingConfigError(f"{where}: 'route_to' must name at least one agency")
        for agency_id in route_to:
            if agency_id not in agencies:
                raise RoutingConfigError(f"{where}: routes to unknown agency {agency_id!r}")
        rules.append(
            Rule(
                name=str(r.get("name") or f"rule-{i + 1}"),
                route_to=route_to,
                categories=_set(r.get("categories"), categories, "category", where),
                priorities=_set(r.get("priorities"), priorities, "priority", where),
                stop=bool(r.get("stop", False)),
            )
        )
    default = tuple(data.get("default") or ())
    for agency_id in default:
        if agency_id not in agencies:
            raise RoutingConfigError(f"{source}: default routes to unknown agency {agency_id!r}")
    countries = frozenset(str(c).upper() for c in (data.get("countries") or []))
    return RoutingConfig(
        str(data["id"]), str(data.get("name") or data["id"]), countries, agencies, tuple(rules), default
    )


def load_file(path: Path) -> RoutingConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RoutingConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_config(data, str(path))


_cache: dict[str, tuple[tuple, dict[str, RoutingConfig]]] = {}
_checked: dict[str, float] = {}
RECHECK_S = 2.0  # how often the files are looked at again: edits apply within seconds, without a restart


def load_configs(settings: Settings | None = None, *, fresh: bool = False) -> dict[str, RoutingConfig]:
    """Configs by id: the shipped ones, then the operator's (which override by id).

    Intake (`fresh=False`) looks at the files at most every `RECHECK_S`; a referral, an
    explicit act, always looks (`fresh=True`), so it never uses a file edited a moment ago.
    """
    key = str(settings.data_dir) if settings is not None else ""
    cached = _cache.get(key)
    if cached and not fresh and time.monotonic() - _checked.get(key, 0.0) < RECHECK_S:
        return cached[1]
    _checked[key] = time.monotonic()
    files = sorted(PACKAGE_DIR.glob("*.yaml"))
    if settings is not None:
        files += sorted((settings.data_dir / "routing").glob("*.yaml"))
    stamp = tuple((str(f), f.stat().st_mtime_ns) for f in files)
    if cached and cached[0] == stamp:
        return cached[1]
    configs: dict[str, RoutingConfig] = {}
    for f in files:
        cfg = load_file(f)
        configs[cfg.id] = cfg
    if "default" not in configs:
        raise RoutingConfigError("no 'default' routing config found")
    _cache[key] = (stamp, configs)
    return configs


def config_for(
    country: str | None, settings: Settings | None = None, *, fresh: bool = False
) -> RoutingConfig:
    configs = load_configs(settings, fresh=fresh)
    if country:
        for cfg in configs.values():
            if country.upper() in cfg.countries:
                return cfg
    return configs["default"]


def suggest(
    country: str | None, category: str, priority: str, settings: Settings | None = None
) -> list[Route]:
    return config_for(country, settings).routes(category, priority)


def agency(config_id: str, agency_id: str, settings: Settings | None = None) -> Agency:
    configs = load_configs(settings)
    cfg = configs.get(config_id)
    if cfg is None or agency_id not in cfg.agencies:
        raise ValueError(f"no agency {agency_id!r} in routing config {config_id!r}")
    return cfg.agencies[agency_id]
