"""The starter model (入门模型): first-level categories learned from public real messages, shipped as hashed
coefficients (no text), so that a city on its first day routes real messages before it has any history.

``model.py`` builds, saves and loads it; ``starter.npz`` + ``starter.json`` are the shipped model and
``PROVENANCE.md`` says where it comes from and under what terms (docs/routing.md, "Day one").
"""
