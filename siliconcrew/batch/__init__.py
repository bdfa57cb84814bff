"""`siliconcrew batch`: many designs at once on Ray, a front door over `siliconcrew.api`.

Each design is one Ray task calling `api.check` (or `api.run`) on a node that has the EDA
sandbox; the folder travels as bytes and its run folder comes back into `<design>/runs/`.

    from siliconcrew.batch import run_batch, resolve_designs
    res = run_batch(resolve_designs(["examples/*/"]), workers=2)
    res.summary, res.exit_code
"""

from siliconcrew.batch.designs import input_hash, resolve_designs
from siliconcrew.batch.results import BatchResult, BatchSummary, DesignOutcome

__all__ = [
    "run_batch",
    "resolve_designs",
    "input_hash",
    "BatchResult",
    "BatchSummary",
    "DesignOutcome",
    "BatchProgress",
]


def __getattr__(name: str):
    # Ray is heavy to import: only when a batch really runs
    if name in ("run_batch", "BatchProgress"):
        from siliconcrew.batch import runner

        return getattr(runner, name)
    raise AttributeError(name)
