"""``/health``: a cheap answer for load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .state import state

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    st = state()
    return jsonify({"status": "ok", "version": st.version, "triples": st.quads()})
