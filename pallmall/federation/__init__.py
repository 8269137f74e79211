"""Federation: several participating states, each on its own node, sharing denial notices,
consultations and confirmed incidents as STIX 2.1 objects over TAXII 2.1, each object
committed in the sender's transparency log before it is served (see docs/federation.md).

Domain code: imports ``pallmall.core``, ``pallmall.disclosure``, ``pallmall.log``,
``pallmall.intel`` and the ``pallmall.cases.exchange`` port only.
"""
