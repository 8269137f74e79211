"""pallmall.federation — several states' nodes exchanging denials, consultations and
incidents over TAXII 2.1, each object committed in the sender's transparency log and
verified by the receiver against a checkpoint it has verified (docs/federation.md)."""
