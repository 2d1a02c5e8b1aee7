"""``/health``: a cheap answer for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify

from . import state

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    st = state()
    triples = st.triples if st.triples is not None else len(st.kg)
    return jsonify({"status": "ok", "version": st.version, "triples": triples})
