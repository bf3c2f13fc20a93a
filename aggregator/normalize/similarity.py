"""The near-duplicate fingerprint of a body: MinHash over character shingles of its folded text.

Copies of one story on different sites differ in chrome (source and editor lines, share and print
links, 原标题, (完)), in spacing and in punctuation widths. The chrome is cut, the rest folded as for
the exact body hash, and the text's 5-character shingles summarised by a MinHash signature
whose agreement with another signature estimates the Jaccard similarity of the two
shingle sets. store.clusters indexes signatures in LSH bands and holds the threshold.

Measured on tests/data/clusters (stories written for this project), Jaccard similarity of the
shingle sets: three copies of one story with different chrome 0.91-0.98 (0.79-0.85 with the chrome
left in); a different story on the same site template 0.29-0.33; two short notices sharing a
boilerplate paragraph 0.53. The signature estimates these within about 0.04.
"""

from __future__ import annotations

import re
import zlib

from .fingerprint import MIN_DUPLICATE_CHARS, normalized_text

SHINGLE = 5  # characters; Chinese words are 1-4 characters, so a shingle spans a word boundary
NUM_PERM = 120  # store.clusters cuts it into 24 bands of 5
SEED = 1  # part of the stored format: signatures from another seed are not comparable
# Shingles are hashed with CRC-32 (C, about 40% faster over a whole signature than datasketch's
# default SHA-1, measured in benchmarks/clusters.py); MinHash needs a well-spread hash, not a
# cryptographic one. Also part of the stored format.
SIGNATURE_VERSION = f"minhash-{NUM_PERM}-{SHINGLE}-{SEED}-crc32"

# Chrome that copies of a story carry differently, cut from the plain text before folding: each
# is short and ends at the next space or at a fixed word, so it cannot eat into the story.
_CHROME = re.compile(
    r"字号\s*[:：]?\s*大\s*中\s*小"
    r"|(?:发布|更新)?(?:时间|日期)\s*[:：]\s*\d[\d\-/年月日.]*\s*(?:\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
    r"|(?:原标题|来源|来源于|责任编辑|编辑|作者|记者|通讯员|字号)\s*[:：]\s*\S{0,40}"
    r"|【\s*(?:打印本页|打印|关闭窗口|关闭|纠错|转载|原创|收藏|返回顶部)\s*】"
    r"|分享到\s*[:：]?(?:\s*(?:微信|微博|QQ空间|QQ|朋友圈|新浪微博|腾讯微博))*"
    r"|[（(]\s*完\s*[）)]"
    r"|首页\s*[>＞»]\s*\S{0,20}(?:\s*[>＞»]\s*\S{0,20})*")


def similarity_text(text: str) -> str:
    """The part of a body's plain text that copies of one story share, folded."""
    return normalized_text(_CHROME.sub(" ", text))


# The MinHash arithmetic, written here with numpy rather than through datasketch's MinHash: a new
# MinHash draws its 120 permutations again for every body (a quarter of a signature's cost), and
# datasketch changed its default scheme between 1.x and 2.0, which would have changed every stored
# signature with a dependency upgrade. These are the values datasketch 2.0's default ("affine32")
# gives for the same seed; tests/test_clusters.py compares the two (datasketch is a test dependency).
# A shingle's CRC-32 is first mixed by MurmurHash3's 32-bit finalizer, then each permutation is
# h -> a*h + b mod 2^32 with odd a, and the signature keeps each permutation's minimum.
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)
_PERMUTATIONS = None  # (a, b) for NUM_PERM and SEED, drawn once per process


def _permutations():
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        import numpy as np

        gen = np.random.RandomState(SEED)
        a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
        _PERMUTATIONS = (a, b)
    return _PERMUTATIONS


def signature(text: str) -> bytes:
    """The MinHash signature of a body's plain text, NUM_PERM little-endian uint32; b"" when the
    body is too short to tell one story from another."""
    folded = similarity_text(text)
    if len(folded) < MIN_DUPLICATE_CHARS:
        return b""
    # numpy (about 0.1 s to import) is loaded on the first body that needs it, so commands that
    # fingerprint nothing do not pay for it.
    import numpy as np

    a, b = _permutations()
    shingles = {folded[i:i + SHINGLE] for i in range(len(folded) - SHINGLE + 1)}
    h = np.fromiter((zlib.crc32(s.encode("utf-8")) for s in shingles), dtype=np.uint32, count=len(shingles))
    s1, m1, s2, m2, s3 = _FMIX32
    h ^= h >> s1
    h *= np.uint32(m1)  # uint32 arithmetic wraps: modulo 2^32, as intended
    h ^= h >> s2
    h *= np.uint32(m2)
    h ^= h >> s3
    values = h[:, np.newaxis] * a + b
    return values.min(axis=0).astype("<u4").tobytes()
