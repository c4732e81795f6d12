"""Cheap fingerprints: exact hashes, word shingles, MinHash signatures, SimHash bands.

>>> exact_hash("Hello,  World") == exact_hash("hello world")
True
>>> sorted(shingles("a b c d", 3))
['a b c', 'b c d']
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from datasketch import LeanMinHash, MinHash

NUM_PERM = 128
SHINGLE = 5
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def exact_hash(text: str) -> str:
    """Hash of the text's words only: punctuation, case and spacing do not matter."""
    return hashlib.sha1(" ".join(words(text)).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def minhash(text: str, num_perm: int = NUM_PERM) -> LeanMinHash:
    """MinHash of the text's word 5-shingles (datasketch, batch-updated)."""
    signature = MinHash(num_perm=num_perm)
    signature.update_batch([s.encode("utf-8") for s in shingles(text)])
    return LeanMinHash(signature)


class SimHasher:
    """Random-hyperplane LSH over embeddings: vectors at a small angle share a band.

    With 32 bands of 6 bits, two documents at cosine 0.75 (a typical translation)
    share at least one band with probability > 0.999. News texts on one topic sit
    close together in embedding space, so banding only removes the far-off ones;
    the index then ranks the candidates by exact cosine (one dot product each)
    and aligns only the nearest few.
    """

    def __init__(self, dim: int, bands: int = 32, bits: int = 6, seed: int = 13) -> None:
        rng = np.random.default_rng(seed)
        self.planes = rng.standard_normal((bands * bits, dim)).astype(np.float32)
        self.bands, self.bits = bands, bits
        self._weights = (1 << np.arange(bits)).astype(np.int64)

    def keys(self, vector: np.ndarray) -> list[int]:
        """One integer key per band: band number in the high bits, the band's bits below."""
        signs = (self.planes @ vector > 0).reshape(self.bands, self.bits).astype(np.int64)
        codes = signs @ self._weights
        return [(band << self.bits) | int(code) for band, code in enumerate(codes)]
