"""The Meilisearch backend: newsearch's analysis and ranking over independent Meilisearch
instances used as shards and replicas. The embedded Whoosh index stays the default."""

from .client import MeiliClient, MeiliError, MeiliUnavailableError
from .cluster import API_KEY_VARIABLE, MeiliCluster, parse_cluster_spec, shard_of
from .documents import MeiliRanking
from .store import MeiliIndex, MeiliSearcher, MeiliWriter, open_meilisearch

__all__ = [
    "API_KEY_VARIABLE",
    "MeiliClient",
    "MeiliCluster",
    "MeiliError",
    "MeiliIndex",
    "MeiliRanking",
    "MeiliSearcher",
    "MeiliUnavailableError",
    "MeiliWriter",
    "open_meilisearch",
    "parse_cluster_spec",
    "shard_of",
]
