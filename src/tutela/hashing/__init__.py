"""Media hashing and matching: hashers, hash banks and the exact PDQ index.

    from tutela.hashing import hash_bytes, match_bytes, HashIndex
    hashes = hash_bytes(open("photo.jpg", "rb").read())
    idx = HashIndex(kind="pdq", radius=31); idx.add(hex_hashes, ids); idx.search(queries)

Media bytes are never stored: only hashes and match results leave this package.
"""

from tutela.domain.media import BankInfo, BankKind, Match, MediaHashes, MediaKind, ShareLevel
from tutela.hashing.errors import MediaError, MediaTooLarge
from tutela.hashing.hasher import hash_bytes, hash_file
from tutela.hashing.index import HashIndex
from tutela.hashing.matcher import MatchOutcome, get_matcher, match_bytes, match_details, match_hashes
from tutela.hashing.signals import SIGNALS, get_signal

__all__ = [
    "SIGNALS",
    "HashIndex",
    "MatchOutcome",
    "get_matcher",
    "match_bytes",
    "match_details",
    "match_hashes",
    "BankInfo",
    "BankKind",
    "Match",
    "MediaError",
    "MediaTooLarge",
    "MediaHashes",
    "MediaKind",
    "ShareLevel",
    "get_signal",
    "hash_bytes",
    "hash_file",
]
