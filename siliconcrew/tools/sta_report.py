"""Parse OpenSTA `report_checks` text: endpoint tables and full path reports.

Kept separate from the `sta` tool because timing debug and the flow engines read the same
reports (ours and OpenROAD's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_END_ROW = re.compile(
    r"^(?P<endpoint>\S+(?: \([^)]*\))?)\s+(?P<required>-?[\d.]+)\s+(?P<actual>-?[\d.]+)\s+"
    r"(?P<slack>-?[\d.]+)\s+\((?P<status>MET|VIOLATED)\)\s*$"
)
_NUM = r"-?\d+(?:\.\d+)?"
_STAGE = re.compile(
    rf"^\s*(?:(?P<fanout>\d+)\s+)?(?:(?P<cap>{_NUM})\s+)?(?:(?P<slew>{_NUM})\s+)?"
    rf"(?P<incr>{_NUM})\s+(?P<time>{_NUM})\s+(?P<edge>[\^v])\s+(?P<pin>\S+)"
    r"(?:\s+\((?P<cell>[^)]+)\))?\s*$"
)


@dataclass
class PathStage:
    pin: str
    cell: str | None
    edge: str
    incr: float
    arrival: float
    fanout: int | None = None


@dataclass
class TimingPath:
    startpoint: str
    endpoint: str
    path_type: str  # "max" (setup) or "min" (hold)
    group: str | None = None
    arrival: float | None = None
    required: float | None = None
    slack: float | None = None
    stages: list[PathStage] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "startpoint": self.startpoint,
            "endpoint": self.endpoint,
            "path_type": self.path_type,
            "group": self.group,
            "arrival": self.arrival,
            "required": self.required,
            "slack": self.slack,
            "stages": [s.__dict__ for s in self.stages],
        }


@dataclass
class EndpointSlack:
    endpoint: str
    required: float
    actual: float
    slack: float


def parse_endpoint_table(text: str) -> list[EndpointSlack]:
    """Rows of `report_checks -format end`.

    Only rows under an `Endpoint ... Slack` header count: `report_check_types` tables
    (`Pin Limit Slew Slack`, max cap, max fanout) have the same row shape but are not timing
    endpoints. A table ends at the first blank line.
    """
    rows = []
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            in_table = False
            continue
        if re.match(r"^Endpoint\s.*\bSlack\b", stripped):
            in_table = True
            continue
        m = _END_ROW.match(stripped) if in_table else None
        if m:
            rows.append(
                EndpointSlack(
                    m.group("endpoint"),
                    float(m.group("required")),
                    float(m.group("actual")),
                    float(m.group("slack")),
                )
            )
    return rows


def parse_paths(text: str) -> list[TimingPath]:
    """Full `report_checks` path reports (default or full_clock_expanded format)."""
    paths: list[TimingPath] = []
    for chunk in re.split(r"(?m)^(?=Startpoint: )", text):
        if not chunk.startswith("Startpoint: "):
            continue
        # Newer OpenSTA/OpenROAD wrap a long name: the "(... clocked by clk)" part goes on
        # the next, indented line; join it so every format gives "name (description)".
        start = re.search(r"^Startpoint: (.+?)\s*(?:\n[ \t]+(\(.*\)))?\s*$", chunk, re.MULTILINE)
        end = re.search(r"^Endpoint: (.+?)\s*(?:\n[ \t]+(\(.*\)))?\s*$", chunk, re.MULTILINE)
        ptype = re.search(r"^Path Type: (\w+)", chunk, re.MULTILINE)
        group = re.search(r"^Path Group: (\S+)", chunk, re.MULTILINE)
        path = TimingPath(
            startpoint=" ".join(filter(None, start.groups())) if start else "?",
            endpoint=" ".join(filter(None, end.groups())) if end else "?",
            path_type=ptype.group(1) if ptype else "max",
            group=group.group(1) if group else None,
        )
        arr = re.search(rf"^\s*({_NUM})\s+data arrival time", chunk, re.MULTILINE)
        req = re.search(rf"^\s*({_NUM})\s+data required time", chunk, re.MULTILINE)
        slk = re.search(rf"^\s*({_NUM})\s+slack \((?:MET|VIOLATED)\)", chunk, re.MULTILINE)
        path.arrival = float(arr.group(1)) if arr else None
        path.required = float(req.group(1)) if req else None
        path.slack = float(slk.group(1)) if slk else None
        data_part = chunk.split("data arrival time")[0]
        for line in data_part.splitlines():
            m = _STAGE.match(line)
            if m:
                path.stages.append(
                    PathStage(
                        pin=m.group("pin"),
                        cell=m.group("cell"),
                        edge=m.group("edge"),
                        incr=float(m.group("incr")),
                        arrival=float(m.group("time")),
                        fanout=int(m.group("fanout")) if m.group("fanout") else None,
                    )
                )
        paths.append(path)
    return paths
