"""`siliconcrew explore`: design-space exploration with Ray Tune, a front door over
`siliconcrew.api` (a sibling of `batch`).

The pure policies (space parsing and checks, scoring, the Pareto front, the snippet) are
in `space`, `scoring` and `outputs`; `trial` is one harden run on a worker; `runner` drives
Ray Tune.

    from siliconcrew.explore import run_explore
    res = run_explore("examples/mac8", samples=6, workers=2, objective="fmax")
    res.best, res.artifacts["pareto_png"]
"""

from siliconcrew.explore.results import ExploreResult, Trial

__all__ = ["run_explore", "plan_explore", "ExploreResult", "Trial", "ExploreProgress"]


def __getattr__(name: str):
    # Ray is heavy to import: only when an exploration really runs
    if name in ("run_explore", "plan_explore", "ExploreProgress"):
        from siliconcrew.explore import runner

        return getattr(runner, name)
    raise AttributeError(name)
